/* test_xml.c — the wire formats against the seeds: the DataContract XML writer (member
 * order, namespaces, nil, lists, dictionaries, generic names, escaping) and reader
 * (DTD/entity refusal, nil, lists, maps), the CSV writer, the multipart reader, round
 * trips write -> read -> write in JSON, JSV and XML for every seed DTO, and JSV edge
 * cases (special characters, doubled quotes, empty vs null, nested lists, booleans). */
#include "check.h"
#include <stdlib.h>
#include "codec/codec.h"
#include "schema/dto.h"

static char *seed_dir(void)
{
    const char *d = getenv("EVOVOICED_SEEDS");
    return strdup(d ? d : "tests/seeds"); /* run from the repository root */
}

static char *read_seed(const char *name)
{
    char *dir = seed_dir(), path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    free(dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    buf_t b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_put(&b, tmp, n);
    fclose(f);
    return buf_take(&b);
}

/* the XML element <name ...>...</name> of s, with the whitespace between tags removed */
static char *xml_sample(const char *s, const char *name)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s ", name);
    snprintf(close, sizeof close, "</%s>", name);
    const char *a = strstr(s, open), *e = a ? strstr(a, close) : NULL;
    if (!e)
        return NULL;
    e += strlen(close);
    buf_t b = {0};
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    for (const char *p = a; p < e; p++) {
        if (*p == '>') {
            buf_putc(&b, '>');
            const char *q = p + 1;
            while (q < e && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t'))
                q++;
            if (q < e && *q == '<')
                p = q - 1;
            continue;
        }
        buf_putc(&b, *p);
    }
    return buf_take(&b);
}

/* the balanced {...} at or after `from` (after the marker), compacted for JSV
 * ("key: value" lines -> key:value) when jsv is set */
static char *brace_sample(const char *s, const char *marker, int nth, int jsv)
{
    const char *p = s;
    for (int i = 0; i < nth; i++) {
        p = strstr(p, marker);
        if (!p)
            return NULL;
        p += strlen(marker);
    }
    p = strchr(p, '{');
    if (!p)
        return NULL;
    int depth = 0, in = 0;
    const char *e = p;
    for (; *e; e++) {
        if (*e == '"' && !jsv)
            in = !in;
        if (in)
            continue;
        if (*e == '{')
            depth++;
        else if (*e == '}' && --depth == 0)
            break;
    }
    buf_t b = {0};
    for (const char *q = p; q <= e; q++) {
        if (jsv && (*q == '\n' || *q == '\r' || *q == '\t'))
            continue;
        if (jsv && *q == ':' && q[1] == ' ') {
            buf_putc(&b, ':');
            q++;
            continue;
        }
        buf_putc(&b, *q);
    }
    return buf_take(&b);
}

static char *out(fmt_t fmt, const type_t *t, json_t *v)
{
    buf_t b = {0};
    write_dto(&b, fmt, t, v, W_SECRETS);
    return b.p ? buf_take(&b) : strdup("");
}

/* read text in fmt into a bound DTO of type t; errors counted as a failure */
static json_t *in(fmt_t fmt, const type_t *t, const char *s)
{
    char err[256] = "";
    json_t *raw = fmt == FMT_XML ? xml_parse(t, s, strlen(s), err, sizeof err)
                  : fmt == FMT_JSV ? jsv_parse(s, strlen(s), err, sizeof err)
                                   : json_parse_body(s, strlen(s), err, sizeof err);
    if (!raw) {
        fprintf(stderr, "parse error: %s\n", err);
        return NULL;
    }
    json_t *errors = json_array();
    json_t *v = bind_dto(t, raw, fmt != FMT_JSON, errors);
    if (json_array_size(errors)) {
        char *e = json_dumps(errors, 0);
        fprintf(stderr, "bind errors: %s\n", e);
        free(e);
        json_decref(v);
        v = NULL;
    }
    json_decref(errors);
    json_decref(raw);
    return v;
}

static char *replace(const char *s, const char *what, const char *with)
{
    const char *at = strstr(s, what);
    if (!at)
        return strdup(s);
    buf_t b = {0};
    buf_put(&b, s, (size_t)(at - s));
    buf_puts(&b, with);
    buf_puts(&b, at + strlen(what));
    return buf_take(&b);
}

#define CHECK_HAS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
    if (h_ && strstr(h_, n_)) check_pass++; else { check_fail++; \
    fprintf(stderr, "%s:%d: missing %s\n  in %s\n", __FILE__, __LINE__, n_, h_ ? h_ : "(null)"); } } while (0)

/* The XML seed: PatchAccount and AccountInfo read and written back byte for byte (the
 * seed predates BillingSettings.AIMessages, which is written as nil when absent). */
static void xml_seed(void)
{
    char *seed = read_seed("PatchAccount.PATCH.accounts.xml.txt");
    CHECK(seed != NULL);
    if (!seed)
        return;
    static const struct { const char *name; const type_t *t; } cases[] = {
        {"PatchAccount", &T_PatchAccount}, {"AccountInfo", &T_AccountInfo}};
    for (int i = 0; i < 2; i++) {
        char *sample = xml_sample(seed, cases[i].name);
        CHECK(sample != NULL);
        json_t *v = in(FMT_XML, cases[i].t, sample);
        CHECK(v != NULL);
        char *got = out(FMT_XML, cases[i].t, v);
        char *want = replace(sample, "</AILiveMinutes>", "</AILiveMinutes><AIMessages i:nil=\"true\" />");
        CHECK_STR(got, want);
        free(got);
        free(want);
        free(sample);
        json_decref(v);
    }
    free(seed);
}

static void xml_writer(void)
{
    json_t *v = json_object();
    char *s = out(FMT_XML, &T_AccountInfo, v);
    /* root, base members first in their namespace, nil reference members, value defaults */
    CHECK_HAS(s, "<?xml version=\"1.0\" encoding=\"utf-8\"?><AccountInfo xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" "
                 "xmlns=\"http://schemas.datacontract.org/2004/07/Voice.Api.Accounts\">"
                 "<CreatedBy i:nil=\"true\" xmlns=\"http://schemas.datacontract.org/2004/07/Voice.Api\" />");
    CHECK_HAS(s, "<LastModifiedBy i:nil=\"true\" xmlns=\"http://schemas.datacontract.org/2004/07/Voice.Api\" />"
                 "<AncestorIds xmlns:d2p1=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\" i:nil=\"true\" />"
                 "<BillingSettings i:nil=\"true\" /><IsBYOA>false</IsBYOA><LogoId i:nil=\"true\" />");
    CHECK_HAS(s, "<MaxPhoneNumbers>0</MaxPhoneNumbers>");
    free(s);
    json_decref(v);
    /* Nullable<int> absent is nil; empty strings and empty lists close themselves */
    v = json_pack("{s:s,s:[]}", "name", "", "ancestorIds");
    s = out(FMT_XML, &T_PatchAccount, v);
    CHECK_HAS(s, "<MaxPhoneNumbers i:nil=\"true\" /><Name />");
    free(s);
    s = out(FMT_XML, &T_AccountInfo, v);
    CHECK_HAS(s, "<AncestorIds xmlns:d2p1=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\" />");
    free(s);
    json_decref(v);
    /* escaping: markup characters, CR, and characters XML cannot carry */
    v = json_pack("{s:s}", "name", "a<b&c>d\"e'\r\n\tf\x01g\xEF\xBF\xBEh");
    s = out(FMT_XML, &T_PatchAccount, v);
    CHECK_HAS(s, "<Name>a&lt;b&amp;c&gt;d\"e'&#xD;\n\tf\xEF\xBF\xBDg\xEF\xBF\xBDh</Name>");
    free(s);
    json_decref(v);
    /* ServiceStack's types: their own namespace, members in DataMember order */
    v = json_pack("{s:{s:s,s:s,s:[{s:s,s:s,s:s}]}}", "responseStatus", "errorCode", "NotFound", "message", "m",
                  "errors", "errorCode", "E", "fieldName", "F", "message", "M");
    s = out(FMT_XML, &T_ErrorResponse, v);
    CHECK_STR(s, "<?xml version=\"1.0\" encoding=\"utf-8\"?><ErrorResponse xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" "
                 "xmlns=\"http://schemas.servicestack.net/types\"><ResponseStatus><ErrorCode>NotFound</ErrorCode>"
                 "<Message>m</Message><StackTrace i:nil=\"true\" /><Errors><ResponseError><ErrorCode>E</ErrorCode>"
                 "<FieldName>F</FieldName><Message>M</Message></ResponseError></Errors></ResponseStatus></ErrorResponse>");
    free(s);
    json_decref(v);
    /* generic list responses: ListResponseOf{T}{digest}; items in their own namespace,
     * with prefixes declared where the namespace changes */
    v = json_loads("{\"items\":[{\"id\":\"c1\",\"name\":\"N\",\"tags\":[{\"id\":\"t\",\"name\":\"VIP\",\"color\":\"Gold\"}],"
                   "\"data\":{\"plan\":{\"stringValue\":\"gold\"}},\"integrationData\":{\"crm\":{\"thirdPartyId\":\"x\"}},"
                   "\"breadcrumb\":[{\"id\":\"c1\",\"name\":\"N\"}],\"schedule\":{\"rules\":[{\"byDay\":[{\"dayOfWeek\":\"Monday\"}],"
                   "\"byHour\":[9]}]}}],\"totalCount\":1}", 0, NULL);
    s = out(FMT_XML, &T_ListResponse_CustomerInfo, v);
    CHECK_HAS(s, "<ListResponseOfCustomerInfoznfKbIMc xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" "
                 "xmlns=\"http://schemas.datacontract.org/2004/07/Voice.Api\"><HasMorePages>false</HasMorePages>"
                 "<Items xmlns:d2p1=\"http://schemas.datacontract.org/2004/07/Voice.Api.Customers\"><d2p1:CustomerInfo>"
                 "<CreatedBy i:nil=\"true\" /><DateCreated i:nil=\"true\" />");
    CHECK_HAS(s, "<Id>c1</Id><LastModifiedBy i:nil=\"true\" /><d2p1:AccountId i:nil=\"true\" />");
    CHECK_HAS(s, "<d2p1:Breadcrumb><d2p1:CustomerBreadcrumb><d2p1:Id>c1</d2p1:Id><d2p1:Name>N</d2p1:Name>"
                 "</d2p1:CustomerBreadcrumb></d2p1:Breadcrumb>");
    CHECK_HAS(s, "<d2p1:Data xmlns:d4p1=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\">"
                 "<d4p1:KeyValueOfstringValue8Ahp2kgT><d4p1:Key>plan</d4p1:Key>"
                 "<d4p1:Value xmlns:d6p1=\"http://schemas.datacontract.org/2004/07/Voice.Api.Flows.Data\">"
                 "<d6p1:BoolValue i:nil=\"true\" /><d6p1:ListValue i:nil=\"true\" /><d6p1:NumberValue i:nil=\"true\" />"
                 "<d6p1:StringValue>gold</d6p1:StringValue><d6p1:StructValue i:nil=\"true\" /></d4p1:Value>"
                 "</d4p1:KeyValueOfstringValue8Ahp2kgT></d2p1:Data>");
    CHECK_HAS(s, "<d2p1:IntegrationData xmlns:d4p1=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\">"
                 "<d4p1:KeyValueOfstringIntegrationData");
    CHECK_HAS(s, "<d2p1:Schedule xmlns:d4p1=\"http://schemas.datacontract.org/2004/07/Voice.Api.Scheduling\">"
                 "<d4p1:DefaultState i:nil=\"true\" /><d4p1:ForceClosed>false</d4p1:ForceClosed>");
    CHECK_HAS(s, "<d4p1:ByDay><d4p1:ScheduleDay><d4p1:DayOfWeek>Monday</d4p1:DayOfWeek><d4p1:Offset>0</d4p1:Offset>"
                 "</d4p1:ScheduleDay></d4p1:ByDay><d4p1:ByHour xmlns:d7p1=\"http://schemas.microsoft.com/2003/10/"
                 "Serialization/Arrays\"><d7p1:int>9</d7p1:int></d4p1:ByHour>");
    CHECK_HAS(s, "<d2p1:Tags xmlns:d4p1=\"http://schemas.datacontract.org/2004/07/Voice.Api.Settings\"><d4p1:Tag>"
                 "<d4p1:Color>Gold</d4p1:Color><d4p1:Id>t</d4p1:Id><d4p1:Name>VIP</d4p1:Name></d4p1:Tag></d2p1:Tags>");
    CHECK_HAS(s, "</d2p1:CustomerInfo></Items><TotalCount>1</TotalCount><TotalPages>0</TotalPages>"
                 "</ListResponseOfCustomerInfoznfKbIMc>");
    /* and it reads back to the same document */
    json_t *back = in(FMT_XML, &T_ListResponse_CustomerInfo, s);
    char *s2 = out(FMT_XML, &T_ListResponse_CustomerInfo, back);
    CHECK_STR(s2, s);
    free(s2);
    json_decref(back);
    free(s);
    json_decref(v);
    /* doubles in .NET's round-trip format */
    v = json_pack("{s:f,s:f,s:f}", "baseCost", 1.5, "rawUnitMultiplier", 1e20, "unitCost", 0.1);
    s = out(FMT_XML, &T_BillingItem, v);
    CHECK_HAS(s, "<BaseCost>1.5</BaseCost><RawUnitMultiplier>1E+20</RawUnitMultiplier><UnitCost>0.1</UnitCost>");
    free(s);
    json_decref(v);
}

static void xml_reader(void)
{
    char err[256];
    /* refused: DOCTYPE, internal entities, external entities (file and http) */
    static const char *const bad[] = {
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><PatchAccount><Name>&e;</Name></PatchAccount>",
        "<!DOCTYPE PatchAccount SYSTEM \"http://127.0.0.1:1/evil.dtd\"><PatchAccount><Name>x</Name></PatchAccount>",
        "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><PatchAccount><Name>&b;</Name></PatchAccount>",
        "<PatchAccount><Name>&undefined;</Name></PatchAccount>",
        "<PatchAccount><Name>x</Name>",
        "<PatchAccount><Name>x</Name></PatchAccount><Extra/>",
        "",
        "<PatchAccount><Name>\xff\xfe</Name></PatchAccount>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        json_t *v = xml_parse(&T_PatchAccount, bad[i], strlen(bad[i]), err, sizeof err);
        CHECK(v == NULL);
        CHECK(err[0] != 0);
        if (i < 3)
            CHECK(strstr(err, "not allowed") != NULL);
        json_decref(v);
    }
    /* names case-insensitive, any prefix, i:nil absent, unknown ignored, empty element "" */
    const char *doc = "<?xml version=\"1.0\" encoding=\"utf-8\"?><a:patchcustomer xmlns:a=\"urn:x\" "
                      "xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><a:NAME>Acme &amp; Co &#x41;</a:NAME>"
                      "<ReferenceId i:nil=\"true\" /><Bogus><X>1</X></Bogus><ParentCustomerId/>"
                      "<TagIds><string>t1</string><string>t2</string></TagIds><OverrideAppSettings>1</OverrideAppSettings>"
                      "<Data><KeyValueOfstringValue><Key>k</Key><Value><NumberValue>2.5</NumberValue></Value></KeyValueOfstringValue></Data>"
                      "<Schedule><Rules><SchedulingRule><Priority> 3 </Priority><ByHour><int>9</int></ByHour></SchedulingRule></Rules></Schedule>"
                      "</a:patchcustomer>";
    json_t *v = in(FMT_XML, &T_PatchCustomer, doc);
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(s, "{\"data\":{\"k\":{\"numberValue\":2.5}},\"name\":\"Acme & Co A\",\"overrideAppSettings\":true,"
                 "\"parentCustomerId\":\"\",\"schedule\":{\"rules\":[{\"byHour\":[9],\"priority\":3}]},\"tagIds\":[\"t1\",\"t2\"]}");
    free(s);
    json_decref(v);
    /* a list given as text, as in a query string */
    v = in(FMT_XML, &T_PatchCustomer, "<PatchCustomer><TagIds>a,b</TagIds></PatchCustomer>");
    s = json_dumps(v, JSON_COMPACT);
    CHECK_STR(s, "{\"tagIds\":[\"a\",\"b\"]}");
    free(s);
    json_decref(v);
    /* bad values are binder errors naming the field */
    json_t *raw = xml_parse(&T_PatchAccount, "<PatchAccount><MaxPhoneNumbers>lots</MaxPhoneNumbers></PatchAccount>", 69, err,
                            sizeof err);
    json_t *errors = json_array();
    v = bind_dto(&T_PatchAccount, raw, 1, errors);
    s = json_dumps(errors, JSON_COMPACT);
    CHECK_HAS(s, "'lots' is an Invalid value for 'MaxPhoneNumbers'");
    free(s);
    json_decref(errors);
    json_decref(v);
    json_decref(raw);
    /* depth limit */
    buf_t deep = {0};
    buf_puts(&deep, "<PatchCustomer><Data>");
    for (int i = 0; i < 40; i++)
        buf_puts(&deep, "<KeyValueOfstringValue><Key>k</Key><Value><StructValue>");
    for (int i = 0; i < 40; i++)
        buf_puts(&deep, "</StructValue></Value></KeyValueOfstringValue>");
    buf_puts(&deep, "</Data></PatchCustomer>");
    v = xml_parse(&T_PatchCustomer, deep.p, deep.len, err, sizeof err);
    CHECK(v == NULL && strstr(err, "deep"));
    json_decref(v);
    buf_free(&deep);
}

/* Every seed DTO: its sample read and written back in its own format byte for byte, and
 * round trips through the other formats giving the same bytes. */
static void round_trips(void)
{
    static const struct { const char *seed, *marker; int nth; fmt_t fmt; const type_t *t; } cases[] = {
        {"SetCustomerStagingMode.POST.customers.staging.json.txt", "Content-Length: length", 1, FMT_JSON, &T_SetCustomerStagingMode},
        {"SetCustomerStagingMode.POST.customers.staging.json.txt", "HTTP/1.1 200 OK", 1, FMT_JSON, &T_CustomerInfo},
        {"BuyPhoneNumber.POST.endpoints.phone-numbers.json.txt", "Content-Length: length", 1, FMT_JSON, &T_BuyPhoneNumber},
        {"BuyPhoneNumber.POST.endpoints.phone-numbers.json.txt", "HTTP/1.1 200 OK", 1, FMT_JSON, &T_EndpointInfo},
        {"PatchCustomer.PATCH.customers.jsv.txt", "Content-Length: length", 1, FMT_JSV, &T_PatchCustomer},
        {"PatchCustomer.PATCH.customers.jsv.txt", "Content-Length: length", 2, FMT_JSV, &T_CustomerInfo},
        {"SetPhoneNumberIsFax.PATCH.phone-numbers.fax.jsv.txt", "Content-Length: length", 1, FMT_JSV, &T_SetPhoneNumberIsFax},
        {"SetPhoneNumberIsFax.PATCH.phone-numbers.fax.jsv.txt", "Content-Length: length", 2, FMT_JSV, &T_EndpointInfo},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *seed = read_seed(cases[i].seed);
        CHECK(seed != NULL);
        if (!seed)
            continue;
        char *sample = brace_sample(seed, cases[i].marker, cases[i].nth, cases[i].fmt == FMT_JSV);
        CHECK(sample != NULL);
        json_t *v = sample ? in(cases[i].fmt, cases[i].t, sample) : NULL;
        CHECK(v != NULL);
        char *same = out(cases[i].fmt, cases[i].t, v);
        /* the older BuyPhoneNumber sample predates EndpointInfo.ManagerAccess (a value
         * type, so always written), which the newer SetPhoneNumberIsFax sample shows */
        char *want = cases[i].t == &T_EndpointInfo && cases[i].fmt == FMT_JSON
                         ? replace(sample, "\"managerRole\":\"None\",", "\"managerRole\":\"None\",\"managerAccess\":\"ReadOnly\",")
                         : strdup(sample ? sample : "");
        CHECK_STR(same, want);
        free(want);
        for (fmt_t f = FMT_JSON; f <= FMT_XML; f++) {
            char *a = out(f, cases[i].t, v);
            json_t *back = in(f, cases[i].t, a);
            CHECK(back != NULL);
            char *b = out(f, cases[i].t, back);
            CHECK_STR(b, a);
            /* and back into the seed's own format unchanged */
            char *c = out(cases[i].fmt, cases[i].t, back);
            CHECK_STR(c, same);
            free(a);
            free(b);
            free(c);
            json_decref(back);
        }
        free(same);
        json_decref(v);
        free(sample);
        free(seed);
    }
}

/* JSV edge cases, written and read back; as request text and as query-string values */
static void jsv_edges(void)
{
    static const char *const strs[] = {"a\"b", "a:b", "a,b", "a{b", "a}b", "a[b", "a]b", "a\rb", "a\nb", "\"\"",
                                       "\"", "", " lead and trail ", "x\"y,z:[1]{2}", "plain", "Ünïcødé"};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        json_t *v = json_pack("{s:s,s:s}", "id", strs[i], "name", "n");
        char *s = out(FMT_JSV, &T_CustomerBreadcrumb, v);
        json_t *back = in(FMT_JSV, &T_CustomerBreadcrumb, s);
        CHECK(back && json_equal(back, v));
        if (!(back && json_equal(back, v)))
            fprintf(stderr, "  JSV string %zu: %s\n", i, s);
        free(s);
        json_decref(back);
        json_decref(v);
    }
    /* doubled quotes, quoted and raw values, empty string vs absent (null) */
    char *s;
    json_t *v = in(FMT_JSV, &T_PatchCustomer, "{name:\"say \"\"hi\"\", ok\",referenceId:\"\",parentCustomerId:}");
    s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(s, "{\"name\":\"say \\\"hi\\\", ok\",\"parentCustomerId\":\"\",\"referenceId\":\"\"}");
    free(s);
    s = out(FMT_JSV, &T_PatchCustomer, v);
    CHECK_STR(s, "{name:\"say \"\"hi\"\", ok\",parentCustomerId:\"\",referenceId:\"\"}");
    free(s);
    json_decref(v);
    /* nested lists of objects */
    v = in(FMT_JSV, &T_PatchSystemSettings,
           "{tags:[{name:\"a,b\",color:Gold},{name:c}],customerFields:[{name:f,type:List,defaultValue:{listValue:[{k:{stringValue:v}}]}}]}");
    CHECK(v != NULL);
    s = out(FMT_JSV, &T_PatchSystemSettings, v);
    CHECK_STR(s, "{tags:[{name:\"a,b\",color:Gold},{name:c,color:Magenta}],customerFields:[{name:f,type:List,"
                 "showInSearch:False,isRequired:False,defaultValue:{listValue:[{k:{stringValue:v}}]}}]}");
    json_t *back = in(FMT_JSV, &T_PatchSystemSettings, s);
    char *s2 = out(FMT_JSV, &T_PatchSystemSettings, back);
    CHECK_STR(s2, s);
    free(s2);
    json_decref(back);
    free(s);
    json_decref(v);
    /* booleans in every accepted spelling */
    static const char *const yes[] = {"true", "True", "TRUE", "1", "t", "T", "y", "Y", "on", "On", "yes"};
    static const char *const no[] = {"false", "False", "FALSE", "0", "f", "F", "n", "N", "off", "Off", "no"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        char doc[64];
        snprintf(doc, sizeof doc, "{isStaging:%s}", yes[i]);
        v = in(FMT_JSV, &T_SetCustomerStagingMode, doc);
        CHECK(json_is_true(json_object_get(v, "isStaging")));
        json_decref(v);
        snprintf(doc, sizeof doc, "{isStaging:%s}", no[i]);
        v = in(FMT_JSV, &T_SetCustomerStagingMode, doc);
        CHECK(json_is_false(json_object_get(v, "isStaging")));
        json_decref(v);
    }
    /* `key:` is the empty string; an empty object and list */
    v = in(FMT_JSV, &T_PatchCustomer, "{name:,tagIds:[],schedule:{}}");
    s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(s, "{\"name\":\"\",\"schedule\":{},\"tagIds\":[]}");
    free(s);
    json_decref(v);
}

static void csv(void)
{
    json_t *v = json_loads("{\"items\":[{\"id\":\"1\",\"name\":\"a,b\",\"accountId\":\"x\",\"tags\":[{\"name\":\"q\\\"r\",\"color\":\"Red\"}],"
                           "\"isStaging\":true},{\"name\":\"line\\nbreak\"}],\"totalCount\":2}", 0, NULL);
    char *s = out(FMT_CSV, &T_ListResponse_CustomerInfo, v);
    const char *want =
        "AccountId,ParentCustomerId,Breadcrumb,AccountName,IsStaging,Name,ReferenceId,Data,Tags,Schedule,IntegrationData,"
        "OverrideBillingSettings,BillingSettings,OverrideAppSettings,AppSettings,Id,DateCreated,DateLastModified,CreatedBy,"
        "LastModifiedBy\r\n"
        "x,,,,True,\"a,b\",,,\"[{name:\"\"q\"\"\"\"r\"\",color:Red}]\",,,False,,False,,1,,,,\r\n"
        ",,,,False,\"line\nbreak\",,,,,,False,,False,,,,,,\r\n";
    CHECK_STR(s, want);
    free(s);
    json_decref(v);
    /* a single object: one header row, one row */
    v = json_pack("{s:s,s:i}", "name", "Acme", "maxPhoneNumbers", 5);
    s = out(FMT_CSV, &T_PatchAccount, v);
    CHECK_STR(s, "AccountId,Name,MaxPhoneNumbers,LogoId,BillingSettings\r\n,Acme,5,,\r\n");
    free(s);
    json_decref(v);
    /* an empty list: the header only */
    v = json_pack("{s:[]}", "items");
    s = out(FMT_CSV, &T_ListResponse_AccountInfo, v);
    CHECK(strncmp(s, "Name,ParentAccountId,", 21) == 0 && strstr(s, "\r\n") == s + strlen(s) - 2);
    free(s);
    json_decref(v);
}

static void multipart(void)
{
    char err[128];
    const char *ct = "multipart/form-data; boundary=\"XyZ\"";
    const char *body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAcme, \"Inc\"\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"tagIds\"\r\n\r\na\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"tagIds\"\r\n\r\nb\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"l.png\"\r\n"
                       "Content-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n";
    json_t *v = multipart_parse(ct, body, strlen(body), err, sizeof err);
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(s, "{\"name\":\"Acme, \\\"Inc\\\"\",\"tagIds\":\"a,b\"}");
    free(s);
    json_decref(v);
    CHECK(multipart_parse("multipart/form-data", body, strlen(body), err, sizeof err) == NULL);
    CHECK(multipart_parse("multipart/form-data; boundary=nope", body, strlen(body), err, sizeof err) == NULL);
    const char *cut = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
    CHECK(multipart_parse(ct, cut, strlen(cut), err, sizeof err) == NULL);
}

int main(void)
{
    schema_init();
    xml_seed();
    xml_writer();
    xml_reader();
    round_trips();
    jsv_edges();
    csv();
    multipart();
    return CHECK_DONE();
}
