/* nodes.h — the node types the call runtime executes: one table, read by
 * GET /flows/available-nodes (as FlowNodeSpec data) and by the runtime (by url). */
#ifndef NODES_H
#define NODES_H
#include <jansson.h>

#define SUBFLOW_URL "/flows/start?flowId="

typedef struct {
    const char *name;    /* parameter (or transition) key in a node's parameters */
    const char *type;    /* ValueTypes member: "String", "Transition", ... */
    const char *desc;
    unsigned flags;      /* NP_* */
    const char *dflt;    /* default, as text; NULL when none */
} node_param_t;

enum { NP_REQUIRED = 1, NP_ASYNC = 2, NP_OUTPUT = 4, NP_DYNAMIC = 8 };
enum { NODE_MAX_PARAMS = 12 };

typedef struct {
    const char *name;      /* display name: "Dial" */
    const char *type_name; /* "DialNode" */
    const char *url;       /* the handler: "/nodes/dial"; a sub-flow's is SUBFLOW_URL + id */
    const char *category;  /* FlowNodeCategories member */
    const char *desc;
    int voice_only;        /* needs a live call (never after an async transition) */
    node_param_t params[NODE_MAX_PARAMS]; /* ends at name NULL */
} node_type_t;

extern const node_type_t node_types[];
extern const int node_ntypes;

/* The node type whose url is url (a sub-flow's url with any flow id), or NULL. */
const node_type_t *node_type_by_url(const char *url);
/* The flow id a sub-flow node's url names, into out ("" when it names none): 1 when url
 * is a sub-flow's, else 0. */
int node_subflow_id(const char *url, char *out, size_t n);
/* FlowNodeSpec of a node type (a new reference). */
json_t *node_spec(const node_type_t *t);

#endif
