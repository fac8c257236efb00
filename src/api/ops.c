/* ops.c — the operation table: every operation the server answers, with its verbs,
 * routes, roles, Manager access level, request and response types, and handler.
 * Routing, role checks, pre-defined routes (/api/{Name}) and metadata all read it. */
#include "api.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

int op_authenticate(call_t *), op_get_auth_status(call_t *);
int op_list_accounts(call_t *), op_get_account(call_t *), op_new_account(call_t *), op_patch_account(call_t *),
    op_delete_account(call_t *);
int op_list_customers(call_t *), op_get_customer(call_t *), op_new_customer(call_t *), op_patch_customer(call_t *),
    op_delete_customer(call_t *), op_set_customer_staging_mode(call_t *);
int op_get_inherited_schedule(call_t *), op_test_schedule(call_t *);
int op_list_users(call_t *), op_new_user(call_t *), op_patch_user(call_t *), op_delete_user(call_t *);
int op_get_system_settings(call_t *), op_patch_system_settings(call_t *);
int op_list_endpoints(call_t *), op_get_endpoint(call_t *), op_patch_endpoint(call_t *), op_delete_endpoint(call_t *),
    op_buy_phone_number(call_t *), op_set_phone_number_is_fax(call_t *), op_search_phone_numbers(call_t *);
int op_check_account(call_t *), op_get_endpoint_duplicates(call_t *), op_sync_phone_numbers(call_t *);
int op_new_user_endpoint(call_t *), op_new_team_endpoint(call_t *), op_new_email_endpoint(call_t *),
    op_new_assistant_endpoint(call_t *), op_regenerate_sip_password(call_t *);
int op_list_flows(call_t *), op_get_flow(call_t *), op_new_flow(call_t *), op_patch_flow(call_t *), op_delete_flow(call_t *),
    op_copy_flow(call_t *), op_list_available_nodes(call_t *), op_get_parameter_field_names(call_t *),
    op_export_package(call_t *), op_import_package(call_t *);
int op_list_sessions(call_t *), op_get_session(call_t *), op_delete_sessions(call_t *), op_patch_session(call_t *),
    op_end_session(call_t *), op_add_session_log(call_t *), op_list_files(call_t *), op_get_file(call_t *),
    op_delete_file(call_t *);
int op_list_log_entries(call_t *);

#define SA ROLE_SA
#define M ROLE_MANAGER
#define C ROLE_CUSTOMER
#define R ACCESS_READ
#define W ACCESS_WRITE
#define D ACCESS_DELETE

const op_t api_ops[] = {
    {"Authenticate", "GET,POST", {"/auth", "/auth/{provider}"}, 0, R, OP_ANON | OP_OWN_TXN, &T_Authenticate,
     &T_AuthenticateResponse, op_authenticate, "Sign in (credentials), or sign out with the provider 'logout'"},
    {"GetAuthStatus", "GET", {"/auth/status"}, 0, R, OP_ANON, &T_GetAuthStatus, &T_UserInfo, op_get_auth_status,
     "The signed-in user, or no content"},

    {"ListAccounts", "GET", {"/accounts"}, 0, R, 0, &T_ListAccounts, &T_ListResponse_AccountInfo, op_list_accounts,
     "Get a list of accounts", "nameFilter"},
    {"GetAccount", "GET", {"/accounts/{accountId}"}, 0, R, 0, &T_GetAccount, &T_AccountInfo, op_get_account,
     "Get a specific account"},
    {"NewAccount", "POST", {"/accounts"}, SA, W, OP_OWN_TXN, &T_NewAccount, &T_AccountInfo, op_new_account,
     "Create a new account"},
    {"PatchAccount", "PATCH", {"/accounts/{accountId}"}, SA, W, OP_WRITE, &T_PatchAccount, &T_AccountInfo,
     op_patch_account, "Update the specified account details"},
    {"DeleteAccount", "DELETE", {"/accounts/{accountId}"}, SA, D, OP_WRITE, &T_DeleteAccount, &T_EmptyResponse,
     op_delete_account, "Delete an account that has no customers, endpoints or users"},

    {"CheckAccount", "GET", {"/accounts/{accountId}/check"}, SA | M, R, OP_OWN_TXN, &T_CheckAccount,
     &T_AccountCheck, op_check_account,
     "An account's health: carrier credentials (asked of the carrier), numbers against the cap, settings"},

    {"ListCustomers", "GET", {"/customers"}, SA | M | C, R, 0, &T_ListCustomers, &T_ListResponse_CustomerInfo,
     op_list_customers, "Get a list of customers", "accountIds nameFilter parentCustomerIds shallowParent tagIds"},
    {"GetCustomer", "GET", {"/customers/{customerId}"}, SA | M | C, R, 0, &T_GetCustomer, &T_CustomerInfo,
     op_get_customer, "Get a specific customer"},
    {"NewCustomer", "POST", {"/customers"}, SA | M | C, W, OP_WRITE, &T_NewCustomer, &T_CustomerInfo,
     op_new_customer, "Create a new customer"},
    {"PatchCustomer", "PATCH", {"/customers/{customerId}"}, SA | M | C, W, OP_WRITE, &T_PatchCustomer,
     &T_CustomerInfo, op_patch_customer, "Update a customer"},
    {"DeleteCustomer", "DELETE", {"/customers/{customerId}"}, SA | M | C, D, OP_WRITE, &T_DeleteCustomer,
     &T_EmptyResponse, op_delete_customer, "Delete a customer that has no child customers or endpoints"},
    {"SetCustomerStagingMode", "POST", {"/customers/{customerId}/staging"}, SA | M | C, W, OP_WRITE,
     &T_SetCustomerStagingMode, &T_CustomerInfo, op_set_customer_staging_mode,
     "Route this customer's phone numbers to the staging or the production server"},
    {"GetInheritedSchedule", "GET",
     {"/customers/{customerId}/inherited-schedule", "/endpoints/{endpointId}/inherited-schedule"}, SA | M | C, R, 0,
     &T_GetInheritedSchedule, &T_Schedule, op_get_inherited_schedule,
     "The schedule that applies to a customer or an endpoint, inherited up the customer tree"},
    {"TestSchedule", "POST", {"/customers/{customerId}/test-schedule", "/endpoints/{endpointId}/test-schedule"},
     SA | M | C, R, 0, &T_TestSchedule, &T_TestScheduleResponse, op_test_schedule,
     "The state a schedule (the saved one, or the one given) gives at a date and time"},

    {"ListEndpoints", "GET", {"/endpoints"}, SA | M | C, R, 0, &T_ListEndpoints, &T_ListResponse_EndpointInfo,
     op_list_endpoints, "Get a list of endpoints",
     "accountIds customerIds referenceIds shallowParent flowIds flowState tagIds nameFilter phoneNumberFilter type "
     "types dataFilters userMode sipUserName flowParametersFilter"},
    {"GetEndpoint", "GET", {"/endpoints/{endpointId}"}, SA | M | C, R, 0, &T_GetEndpoint, &T_EndpointInfo,
     op_get_endpoint, "Get a specific endpoint"},
    {"PatchEndpoint", "PATCH", {"/endpoints/{endpointId}"}, SA | M | C, W, OP_WRITE, &T_PatchEndpoint,
     &T_EndpointInfo, op_patch_endpoint, "Update an endpoint"},
    {"DeleteEndpoint", "DELETE", {"/endpoints/{endpointId}"}, SA | M | C, D, OP_OWN_TXN, &T_DeleteEndpoint,
     &T_EmptyResponse, op_delete_endpoint, "Delete an endpoint; a bought number is released at the carrier first"},
    {"GetEndpointDuplicates", "GET", {"/endpoints/duplicates"}, SA | M, R, 0, &T_GetEndpointDuplicates,
     &T_GetEndpointDuplicatesResponse, op_get_endpoint_duplicates,
     "The endpoints of an account sharing a value of one field, grouped by value"},
    {"SearchPhoneNumbers", "GET", {"/endpoints/phone-numbers/search"}, SA | M | C, R, OP_OWN_TXN,
     &T_SearchPhoneNumbers, &T_ListResponse_PhoneNumberInfo, op_search_phone_numbers,
     "Search the carrier for phone numbers to buy"},
    {"BuyPhoneNumber", "POST", {"/endpoints/phone-numbers"}, SA | M | C, W, OP_OWN_TXN, &T_BuyPhoneNumber,
     &T_EndpointInfo, op_buy_phone_number, "Purchase a phone number"},
    {"SetPhoneNumberIsFax", "PATCH", {"/phone-numbers/{endpointId}/fax"}, SA | M | C, W, OP_OWN_TXN,
     &T_SetPhoneNumberIsFax, &T_EndpointInfo, op_set_phone_number_is_fax, "Switch a phone number between voice and fax"},
    {"SyncPhoneNumbers", "POST", {"/phone-numbers/sync"}, SA | M, W, OP_OWN_TXN, &T_SyncPhoneNumbers,
     &T_SyncPhoneNumbersResponse, op_sync_phone_numbers,
     "The numbers the carrier holds that no endpoint has, and the endpoints it does not hold; imports the first"},
    {"NewUserEndpoint", "POST", {"/endpoints/users"}, SA | M | C, W, OP_OWN_TXN, &T_NewUserEndpoint, &T_EndpointInfo,
     op_new_user_endpoint, "Create a User endpoint: a phone user, with its own login (role User)"},
    {"NewTeamEndpoint", "POST", {"/endpoints/team"}, SA | M | C, W, OP_WRITE, &T_NewTeamEndpoint, &T_EndpointInfo,
     op_new_team_endpoint, "Create a Team endpoint: User endpoints of the account, dialled in turn"},
    {"NewEmailEndpoint", "POST", {"/endpoints/email"}, SA | M | C, W, OP_WRITE, &T_NewEmailEndpoint, &T_EndpointInfo,
     op_new_email_endpoint, "Create an EmailAddress endpoint"},
    {"NewAssistantEndpoint", "POST", {"/endpoints/assistant"}, SA | M | C, W, OP_WRITE, &T_NewAssistantEndpoint,
     &T_EndpointInfo, op_new_assistant_endpoint, "Create an Assistant endpoint (its settings; no runtime here)"},
    {"RegenerateSipPassword", "PATCH", {"/endpoints/sip/{endpointId}/password"}, SA | M | C, W, OP_OWN_TXN,
     &T_RegenerateSipPassword, &T_EndpointInfo, op_regenerate_sip_password,
     "Give a User endpoint in Sip mode a new SIP password, at the carrier first"},

    {"ListUsers", "GET", {"/users"}, SA | M, R, 0, &T_ListUsers, &T_ListResponse_UserInfo, op_list_users,
     "Get a list of users", "accountIds emailFilter"},
    {"NewUser", "POST", {"/users"}, SA | M, W, OP_WRITE, &T_NewUser, &T_UserInfo, op_new_user, "Create a new user"},
    {"PatchUser", "PATCH", {"/users/{userId}"}, SA | M, W, OP_WRITE, &T_PatchUser, &T_UserInfo, op_patch_user,
     "Update a user"},
    {"DeleteUser", "DELETE", {"/users/{userId}"}, SA | M, D, OP_WRITE, &T_DeleteUser, &T_EmptyResponse,
     op_delete_user, "Delete a user"},

    {"GetSystemSettings", "GET", {"/system/settings"}, SA | M | C, R, 0, &T_GetSystemSettings,
     &T_SystemSettingsInfo, op_get_system_settings, "Get an account's system settings"},
    {"PatchSystemSettings", "PATCH", {"/system/settings"}, SA | M, W, OP_WRITE, &T_PatchSystemSettings,
     &T_SystemSettingsInfo, op_patch_system_settings, "Update an account's system settings"},

    {"ListFlows", "GET", {"/flows"}, SA | M | C, R, 0, &T_ListFlows, &T_ListResponse_FlowInfo, op_list_flows,
     "Get a list of flows", "accountIds customerIds nameFilter tagIds role includeNodes nodeTypeFilter"},
    {"GetFlow", "GET", {"/flows/{flowId}"}, SA | M | C, R, 0, &T_GetFlow, &T_FlowInfo, op_get_flow, "Get a specific flow"},
    {"NewFlow", "POST", {"/flows"}, SA | M | C, W, OP_WRITE, &T_NewFlow, &T_FlowInfo, op_new_flow, "Create a new flow"},
    {"PatchFlow", "PATCH", {"/flows/{flowId}"}, SA | M | C, W, OP_WRITE, &T_PatchFlow, &T_FlowInfo, op_patch_flow,
     "Update a flow; nodes, parameters, exits and roles given replace the whole list"},
    {"DeleteFlow", "DELETE", {"/flows/{flowId}"}, SA | M | C, D, OP_WRITE, &T_DeleteFlow, &T_EmptyResponse,
     op_delete_flow, "Delete a flow that no endpoint or other flow uses"},
    {"CopyFlow", "POST", {"/flows/{flowId}/copy"}, SA | M | C, W, OP_WRITE, &T_CopyFlow, &T_FlowInfo, op_copy_flow,
     "Make a copy of a flow"},
    {"ListAvailableNodes", "GET", {"/flows/available-nodes"}, SA | M | C, R, 0, &T_ListAvailableNodes,
     &T_ListResponse_FlowNodeSpec, op_list_available_nodes, "The node types a flow can use"},
    {"GetParameterFieldNames", "GET", {"/flows/parameters"}, SA | M | C, R, 0, &T_GetParameterFieldNames,
     &T_GetParameterFieldNamesResponse, op_get_parameter_field_names,
     "The fields a node parameter can read from the customer, endpoint, user, session and system"},
    {"ExportPackage", "GET", {"/packages"}, SA | M | C, R, 0, &T_ExportPackage, &T_PackageInfo, op_export_package,
     "Export flows with the custom fields they use"},
    {"ImportPackage", "POST", {"/packages"}, SA | M | C, W, OP_WRITE, &T_ImportPackage, &T_ImportPackageResponse,
     op_import_package, "Import a package of flows into an account, with new ids"},

    {"ListSessions", "GET", {"/sessions"}, SA | M | C, R, 0, &T_ListSessions, &T_ListResponse_SessionInfo,
     op_list_sessions, "Get a list of sessions (calls), newest first, each with its log",
     "accountIds searchArchive startDate endDate customerIds endpointIds from to log parentSessionId"},
    {"GetSession", "GET", {"/sessions/{sessionId}"}, SA | M | C, R, 0, &T_GetSession, &T_SessionInfo, op_get_session,
     "Get a specific session (its log is in ListSessions)"},
    {"DeleteSessions", "DELETE", {"/sessions"}, SA | M | C, D, OP_WRITE, &T_DeleteSessions, &T_EmptyResponse,
     op_delete_sessions, "Delete an account's sessions created in a date range"},
    {"PatchSession", "PATCH", {"/sessions/{sessionId}"}, SA | M | C, W, OP_WRITE, &T_PatchSession, &T_SessionInfo,
     op_patch_session, "Update a session's console data, call state, hold reason or queue state"},
    {"EndSession", "DELETE", {"/sessions/{sessionId}"}, SA | M | C, W, OP_OWN_TXN, &T_EndSession, &T_EmptyResponse,
     op_end_session, "End a session: its call is hung up at the carrier; an ended session stays as it is"},
    {"AddSessionLog", "POST", {"/sessions/{sessionId}/log"}, SA | M | C, W, OP_WRITE, &T_AddSessionLog, &T_SessionInfo,
     op_add_session_log, "Add a line to a session's log; the session with its log"},
    {"ListFiles", "GET", {"/files"}, SA | M | C, R, 0, &T_ListFiles, &T_ListResponse_FileInfo, op_list_files,
     "Get a list of files",
     "accountIds customerIds sessionId fileName contentType type dateCreatedStart dateCreatedEnd userId "
     "transcriptionContains"},
    {"GetFile", "GET", {"/files/{fileId}"}, SA | M | C, R, 0, &T_GetFile, &T_FileInfo, op_get_file, "Get a specific file"},
    {"DeleteFile", "DELETE", {"/files/{fileId}"}, SA | M | C, D, OP_OWN_TXN, &T_DeleteFile, &T_EmptyResponse,
     op_delete_file, "Delete a file; a recording is deleted at the carrier first"},

    {"ListLogEntries", "GET", {"/log-entries"}, SA | M, R, 0, &T_ListLogEntries, &T_ListResponse_LogEntryInfo,
     op_list_log_entries, "The audit log: every change made through the API, newest first",
     "accountIds customerIds entityType entityId userId startDate endDate"},
};
const int api_nops = (int)(sizeof api_ops / sizeof *api_ops);

static const entity_kind_t entities[] = {
    {"accountId", C_ACCOUNTS, &T_AccountInfo},   {"customerId", C_CUSTOMERS, &T_CustomerInfo},
    {"endpointId", C_ENDPOINTS, &T_EndpointInfo}, {"userId", C_USERS, &T_UserInfo},
    {"flowId", C_FLOWS, &T_FlowInfo},             {"sessionId", C_SESSIONS, &T_SessionInfo},
    {"fileId", C_FILES, &T_FileInfo},
};
enum { NENTITIES = (int)(sizeof entities / sizeof *entities) };

/* Does route name entity kind k's id parameter? */
static int names(const char *route, const entity_kind_t *k)
{
    char p[64];
    snprintf(p, sizeof p, "{%s}", k->param);
    return strstr(route, p) != NULL;
}

const entity_kind_t *api_route_entity(const char *route)
{
    for (int i = 0; i < NENTITIES; i++)
        if (names(route, &entities[i]))
            return &entities[i];
    return NULL;
}

const entity_kind_t *api_op_entity(const op_t *op, json_t *req, const char **id)
{
    for (int r = 0; r < 3 && op->routes[r]; r++)
        for (int i = 0; i < NENTITIES; i++) {
            const char *v = json_string_value(json_object_get(req, entities[i].param));
            if (v && *v && names(op->routes[r], &entities[i])) {
                *id = v;
                return &entities[i];
            }
        }
    return NULL;
}

const entity_kind_t *api_entity_of_type(const type_t *t)
{
    for (int i = 0; i < NENTITIES; i++)
        if (entities[i].info == t)
            return &entities[i];
    return NULL;
}

const op_t *api_op_by_name(const char *name)
{
    for (int i = 0; i < api_nops; i++)
        if (!strcasecmp(api_ops[i].name, name))
            return &api_ops[i];
    return NULL;
}
