/* dto.c — static descriptors of every DTO, enum and map of the API (see dto.h).
 *
 * Field order is the wire (JSON/JSV) order of the seeds' samples: own fields only; the
 * base type's (EntityInfo, ListRequest) come from `base`.  Descriptions are copied from the
 * seeds where they give one.  The scalar types and schema.h's functions live in schema.c. */
#include "dto.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define FLD(name, type, flags, desc) { name, &type, flags, desc, NULL }

/* object with own fields Sym_f[] */
#define OBJ(sym, name, ns, base, desc) \
    const type_t T_##sym = { name, K_OBJECT, ns, base, sym##_f, N(sym##_f), NULL, 0, NULL, desc }
/* object without own fields */
#define OBJ0(sym, ns, base, desc) \
    const type_t T_##sym = { #sym, K_OBJECT, ns, base, NULL, 0, NULL, 0, NULL, desc }
/* enum with members Sym_v[] */
#define ENUM(sym, ns) \
    const type_t T_##sym = { #sym, K_ENUM, ns, NULL, NULL, 0, sym##_v, N(sym##_v), NULL, NULL }
/* Dictionary<string, vt> */
#define MAP(sym, ns, vt) \
    const type_t T_##sym = { #sym, K_MAP, ns, NULL, NULL, 0, NULL, 0, &vt, NULL }
/* concrete ListResponse<Item> */
#define LISTRESP(item)                                                                     \
    static field_t ListResponse_##item##_f[] = {                                           \
        FLD("Items", T_##item, F_LIST, NULL), FLD("TotalCount", T_int, 0, NULL),           \
        FLD("TotalPages", T_int, 0, NULL), FLD("HasMorePages", T_bool, 0, NULL),           \
    };                                                                                     \
    OBJ(ListResponse_##item, "ListResponse<" #item ">", NS_API, NULL, NULL)

#define NS_API          "Voice.Api"
#define NS_ACCOUNTS     "Voice.Api.Accounts"
#define NS_CUSTOMERS    "Voice.Api.Customers"
#define NS_ENDPOINTS    "Voice.Api.Endpoints"
#define NS_AUTH         "Voice.Api.Authentication"
#define NS_SETTINGS     "Voice.Api.Settings"
#define NS_SCHEDULING   "Voice.Api.Scheduling"
#define NS_INTEGRATIONS "Voice.Api.Integrations"
#define NS_DATA         "Voice.Api.Flows.Data"
#define NS_SS           "ServiceStack"
#define NS_SYSTEM       "System"

/* ===================================================================== Voice.Api */

static field_t EntityInfo_f[] = {
    FLD("Id", T_string, 0, "The ID of the object"),
    FLD("DateCreated", T_string, 0, "The date the object was created"),
    FLD("DateLastModified", T_string, 0, "The date the object was last modified"),
    FLD("CreatedBy", T_string, 0, "The user that created this object"),
    FLD("LastModifiedBy", T_string, 0, "The user that last modified this object"),
};
OBJ(EntityInfo, "EntityInfo", NS_API, NULL, NULL);

static const char *const SortOrders_v[] = { "Ascend", "Descend" };
ENUM(SortOrders, NS_API);

static field_t ListRequest_f[] = {
    FLD("Page", T_int, 0, NULL),
    FLD("CountPerPage", T_int, 0, NULL),
    FLD("SortField", T_string, 0, NULL),
    FLD("SortOrder", T_SortOrders, 0, NULL),
    FLD("All", T_bool, 0, NULL),
    FLD("SpecificIds", T_string, F_LIST, NULL),
    FLD("SimplifiedPaging", T_bool, 0, NULL),
};
OBJ(ListRequest, "ListRequest", NS_API, NULL, NULL);

OBJ0(EmptyResponse, NS_API, NULL, NULL);

/* ===================================================================== Flows.Data */

MAP(Struct, NS_DATA, T_Value);

static field_t Value_f[] = {
    FLD("BoolValue", T_bool, F_NULLABLE, NULL),
    FLD("StringValue", T_string, 0, NULL),
    FLD("NumberValue", T_double, F_NULLABLE, NULL),
    FLD("ListValue", T_Struct, F_LIST, NULL),
    FLD("StructValue", T_Struct, 0, NULL),
};
OBJ(Value, "Value", NS_DATA, NULL, NULL);

/* ===================================================================== Integrations */

static field_t IntegrationData_f[] = {
    FLD("ThirdPartyId", T_string, 0, NULL),
};
OBJ(IntegrationData, "IntegrationData", NS_INTEGRATIONS, NULL, NULL);
MAP(EntityIntegrationData, NS_INTEGRATIONS, T_IntegrationData);

/* ===================================================================== ServiceStack */

static field_t ResponseError_f[] = {
    FLD("ErrorCode", T_string, 0, NULL),
    FLD("FieldName", T_string, 0, NULL),
    FLD("Message", T_string, 0, NULL),
};
OBJ(ResponseError, "ResponseError", NS_SS, NULL, NULL);

static field_t ResponseStatus_f[] = {
    FLD("ErrorCode", T_string, 0, NULL),
    FLD("Message", T_string, 0, NULL),
    FLD("StackTrace", T_string, 0, NULL),
    FLD("Errors", T_ResponseError, F_LIST, NULL),
};
OBJ(ResponseStatus, "ResponseStatus", NS_SS, NULL, NULL);

static field_t ErrorResponse_f[] = {
    FLD("ResponseStatus", T_ResponseStatus, 0, NULL),
};
OBJ(ErrorResponse, "ErrorResponse", NS_SS, NULL, NULL);

static field_t Authenticate_f[] = {
    FLD("Provider", T_string, 0, NULL),
    FLD("UserName", T_string, 0, NULL),
    FLD("Password", T_string, F_CREDENTIAL, NULL),
    FLD("RememberMe", T_bool, F_NULLABLE, NULL),
};
OBJ(Authenticate, "Authenticate", NS_SS, NULL, NULL);

static field_t AuthenticateResponse_f[] = {
    FLD("UserId", T_string, 0, NULL),
    FLD("SessionId", T_string, 0, NULL),
    FLD("UserName", T_string, 0, NULL),
    FLD("DisplayName", T_string, 0, NULL),
    FLD("ReferrerUrl", T_string, 0, NULL),
    FLD("BearerToken", T_string, 0, NULL),
    FLD("RefreshToken", T_string, 0, NULL),
    FLD("Roles", T_string, F_LIST, NULL),
    FLD("Permissions", T_string, F_LIST, NULL),
    FLD("ResponseStatus", T_ResponseStatus, 0, NULL),
};
OBJ(AuthenticateResponse, "AuthenticateResponse", NS_SS, NULL, NULL);

/* ===================================================================== Scheduling */

static const char *const DayOfWeek_v[] = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};
ENUM(DayOfWeek, NS_SYSTEM);

static const char *const SimpleSchedulingRuleTypes_v[] = { "Always", "CustomerState", "Time" };
ENUM(SimpleSchedulingRuleTypes, NS_SCHEDULING);

static const char *const SchedulingRuleFrequency_v[] = {
    "None", "Secondly", "Minutely", "Hourly", "Daily", "Weekly", "Monthly", "Yearly",
};
ENUM(SchedulingRuleFrequency, NS_SCHEDULING);

static field_t ScheduleDay_f[] = {
    FLD("Offset", T_int, 0, NULL),
    FLD("DayOfWeek", T_DayOfWeek, 0, NULL),
};
OBJ(ScheduleDay, "ScheduleDay", NS_SCHEDULING, NULL, NULL);

static field_t SchedulingRule_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Name", T_string, 0, NULL),
    FLD("Priority", T_int, 0, NULL),
    FLD("State", T_string, 0, NULL),
    FLD("Source", T_string, 0, NULL),
    FLD("Condition", T_string, 0, NULL),
    FLD("SimpleRuleType", T_SimpleSchedulingRuleTypes, 0, NULL),
    FLD("CustomerState", T_string, 0, NULL),
    FLD("FlowId", T_string, 0, NULL),
    FLD("FlowParams", T_Struct, 0, NULL),
    FLD("IsAllDay", T_bool, 0, NULL),
    FLD("StartDate", T_string, 0, NULL),
    FLD("StartTime", T_string, 0, NULL),
    FLD("EndTime", T_string, 0, NULL),
    FLD("BySetPosition", T_int, F_LIST, NULL),
    FLD("ByMonth", T_int, F_LIST, NULL),
    FLD("ByWeekNo", T_int, F_LIST, NULL),
    FLD("ByYearDay", T_int, F_LIST, NULL),
    FLD("ByMonthDay", T_int, F_LIST, NULL),
    FLD("ByDay", T_ScheduleDay, F_LIST, NULL),
    FLD("ByHour", T_int, F_LIST, NULL),
    FLD("ByMinute", T_int, F_LIST, NULL),
    FLD("Interval", T_int, 0, NULL),
    FLD("Count", T_int, 0, NULL),
    FLD("UntilDate", T_string, 0, NULL),
    FLD("Frequency", T_SchedulingRuleFrequency, 0, NULL),
};
OBJ(SchedulingRule, "SchedulingRule", NS_SCHEDULING, NULL, NULL);

static field_t Schedule_f[] = {
    FLD("TimeZoneId", T_string, 0, NULL),
    FLD("Inherit", T_bool, 0, NULL),
    FLD("ForceClosed", T_bool, 0, NULL),
    FLD("Rules", T_SchedulingRule, F_LIST, NULL),
    FLD("DefaultState", T_string, 0, NULL),
};
OBJ(Schedule, "Schedule", NS_SCHEDULING, NULL, NULL);

static field_t ScheduledFlow_f[] = {
    FLD("StateName", T_string, 0, NULL),
    FLD("FlowId", T_string, 0, NULL),
    FLD("FlowParams", T_Struct, 0, NULL),
};
OBJ(ScheduledFlow, "ScheduledFlow", NS_SCHEDULING, NULL, NULL);

/* ===================================================================== Settings */

static const char *const TagColors_v[] = {
    "Magenta", "Red", "Volcano", "Orange", "Gold", "Lime",
    "Green", "Cyan", "Blue", "GeekBlue", "Purple",
};
ENUM(TagColors, NS_SETTINGS);

static field_t Tag_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Name", T_string, 0, NULL),
    FLD("Color", T_TagColors, 0, NULL),
};
OBJ(Tag, "Tag", NS_SETTINGS, NULL, NULL);

static field_t AppSettings_f[] = {
    FLD("EnablePhoneNumberManagement", T_bool, 0, NULL),
    FLD("EnableDeviceManagement", T_bool, 0, NULL),
    FLD("EnableDialer", T_bool, 0, NULL),
    FLD("EnableCallHistory", T_bool, 0, NULL),
    FLD("EnableAssistants", T_bool, 0, NULL),
    FLD("ShowFileNameInMessageCenter", T_bool, 0, NULL),
    FLD("ChakraTheme", T_string, 0, NULL),
    FLD("CustomCss", T_string, 0, NULL),
    FLD("PageTitle", T_string, 0, NULL),
    FLD("StringMappings", T_string, 0, NULL),
    FLD("LogoutUrl", T_string, 0, NULL),
    FLD("PortMyNumberUrl", T_string, 0, NULL),
};
OBJ(AppSettings, "AppSettings", NS_SETTINGS, NULL, NULL);

static const char *const DataFieldTypes_v[] = {
    "String", "Boolean", "Number", "Date", "List", "Struct",
};
ENUM(DataFieldTypes, NS_SETTINGS);

static field_t DataField_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Name", T_string, 0, NULL),
    FLD("Type", T_DataFieldTypes, 0, NULL),
    FLD("Description", T_string, 0, NULL),
    FLD("ShowInSearch", T_bool, 0, NULL),
    FLD("IsRequired", T_bool, 0, NULL),
    FLD("DefaultValue", T_Value, 0, NULL),
};
OBJ(DataField, "DataField", NS_SETTINGS, NULL, NULL);

static field_t SystemSettingsInfo_f[] = {
    FLD("AccountId", T_string, 0, NULL),
    FLD("Tags", T_Tag, F_LIST, NULL),
    FLD("CustomerFields", T_DataField, F_LIST, NULL),
    FLD("EndpointFields", T_DataField, F_LIST, NULL),
    FLD("Documentation", T_string, 0, NULL),
    FLD("RecordingRetentionDays", T_int, 0, NULL),
    FLD("EnableSipRefer", T_bool, 0, NULL),
    FLD("AutoAgentLogoffSeconds", T_int, 0, NULL),
    FLD("DefaultSipRegion", T_TwilioSipRegions, 0, NULL),
};
OBJ(SystemSettingsInfo, "SystemSettingsInfo", NS_SETTINGS, &T_EntityInfo, NULL);

static field_t GetSystemSettings_f[] = {
    FLD("AccountId", T_string, 0, NULL),
};
OBJ(GetSystemSettings, "GetSystemSettings", NS_SETTINGS, NULL, NULL);

static field_t PatchSystemSettings_f[] = {
    FLD("AccountId", T_string, 0, NULL),
    FLD("Tags", T_Tag, F_LIST, NULL),
    FLD("CustomerFields", T_DataField, F_LIST, NULL),
    FLD("EndpointFields", T_DataField, F_LIST, NULL),
    FLD("Documentation", T_string, 0, NULL),
    FLD("RecordingRetentionDays", T_int, F_NULLABLE, NULL),
    FLD("EnableSipRefer", T_bool, F_NULLABLE, NULL),
    FLD("AutoAgentLogoffSeconds", T_int, F_NULLABLE, NULL),
    FLD("DefaultSipRegion", T_TwilioSipRegions, F_NULLABLE, NULL),
};
OBJ(PatchSystemSettings, "PatchSystemSettings", NS_SETTINGS, NULL, NULL);

/* ===================================================================== Accounts */

static field_t BillingItem_f[] = {
    FLD("BaseCost", T_double, 0, NULL),
    FLD("RawUnitMultiplier", T_double, 0, NULL),
    FLD("UnitCost", T_double, 0, NULL),
    FLD("Allowance", T_int, 0, NULL),
};
OBJ(BillingItem, "BillingItem", NS_ACCOUNTS, NULL, NULL);

static field_t BillingSettings_f[] = {
    FLD("Base", T_BillingItem, 0, NULL),
    FLD("LocalNumbers", T_BillingItem, 0, NULL),
    FLD("TollFreeNumbers", T_BillingItem, 0, NULL),
    FLD("InboundVoiceCalls", T_BillingItem, 0, NULL),
    FLD("OutboundVoiceCalls", T_BillingItem, 0, NULL),
    FLD("InboundFaxes", T_BillingItem, 0, NULL),
    FLD("OutboundFaxes", T_BillingItem, 0, NULL),
    FLD("InboundSmsMessages", T_BillingItem, 0, NULL),
    FLD("OutboundSmsMessages", T_BillingItem, 0, NULL),
    FLD("AIInsights", T_BillingItem, 0, NULL),
    FLD("AILiveMinutes", T_BillingItem, 0, NULL),
    FLD("AIMessages", T_BillingItem, 0, NULL),
};
OBJ(BillingSettings, "BillingSettings", NS_ACCOUNTS, NULL, NULL);

static field_t AccountInfo_f[] = {
    FLD("Name", T_string, 0, "The name of this account"),
    FLD("ParentAccountId", T_string, 0, "The ID of this account's parent"),
    FLD("TwilioAccountSid", T_string, 0, "The twilio account SID"),
    FLD("AncestorIds", T_string, F_LIST, "The ancestors of this account. Useful for breadcrumbs"),
    FLD("MaxPhoneNumbers", T_int, 0, "The max number of phone numbers this account can have"),
    FLD("IsBYOA", T_bool, 0, "This account is BYOA"),
    FLD("TrustHubProfileSid", T_string, 0, "TrustHub Profile Sid"),
    FLD("LogoId", T_string, 0, "The ID of the logo file"),
    FLD("LogoUri", T_string, 0, "The URI of the logo file"),
    FLD("BillingSettings", T_BillingSettings, 0, "The billing settings for this account"),
};
OBJ(AccountInfo, "AccountInfo", NS_ACCOUNTS, &T_EntityInfo, NULL);

static field_t ListAccounts_f[] = {
    FLD("NameFilter", T_string, 0, NULL),
};
OBJ(ListAccounts, "ListAccounts", NS_ACCOUNTS, &T_ListRequest, NULL);

static field_t GetAccount_f[] = {
    FLD("AccountId", T_string, 0, NULL),
};
OBJ(GetAccount, "GetAccount", NS_ACCOUNTS, NULL, NULL);

static field_t NewAccount_f[] = {
    FLD("Name", T_string, 0, NULL),
    FLD("TwilioAccountSid", T_string, 0, NULL),
    FLD("TwilioAuthToken", T_string, F_CREDENTIAL, NULL),
    FLD("ParentAccountId", T_string, 0, NULL),
};
OBJ(NewAccount, "NewAccount", NS_ACCOUNTS, NULL, NULL);

static field_t PatchAccount_f[] = {
    FLD("AccountId", T_string, 0, "The ID of the account you want to update"),
    FLD("Name", T_string, 0, "The new name for the account"),
    FLD("MaxPhoneNumbers", T_int, F_NULLABLE, "The max number of phone numbers this account can have"),
    FLD("LogoId", T_string, 0, "The ID of the file to use for a logo on the dashboard"),
    FLD("BillingSettings", T_BillingSettings, 0, "Updated billing settings for this account"),
};
OBJ(PatchAccount, "PatchAccount", NS_ACCOUNTS, NULL, "Update the specified account details");

static field_t DeleteAccount_f[] = {
    FLD("AccountId", T_string, 0, NULL),
};
OBJ(DeleteAccount, "DeleteAccount", NS_ACCOUNTS, NULL, NULL);

static field_t CheckAccount_f[] = {
    FLD("AccountId", T_string, 0, "The ID of the account to check"),
};
OBJ(CheckAccount, "CheckAccount", NS_ACCOUNTS, NULL,
    "The health of an account: its carrier credentials, its numbers against its cap, its settings");

static field_t AccountCheck_f[] = {
    FLD("AccountId", T_string, 0, "The account checked"),
    FLD("AccountName", T_string, 0, "Its name"),
    FLD("CarrierStatus", T_string, 0,
        "Valid, Refused (the carrier refused the credentials), NoAnswer, or NotConfigured (virtual numbers only)"),
    FLD("CarrierCredentialsValid", T_bool, 0, "The carrier accepted the account's credentials just now"),
    FLD("CarrierMessage", T_string, 0, "What the carrier answered, when it did not accept them"),
    FLD("PhoneNumberCount", T_int, 0, "The numbers the account holds (and is buying)"),
    FLD("MaxPhoneNumbers", T_int, 0, "The account's cap (0: none)"),
    FLD("PhoneNumbersWithinCap", T_bool, 0, "The count is within the cap"),
    FLD("SettingsPresent", T_bool, 0, "The account has its system settings"),
    FLD("Problems", T_string, F_LIST, "What is wrong, one line each"),
    FLD("IsHealthy", T_bool, 0, "No problem was found"),
};
OBJ(AccountCheck, "AccountCheck", NS_ACCOUNTS, NULL, NULL);

/* ===================================================================== Customers */

static field_t CustomerBreadcrumb_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Name", T_string, 0, NULL),
};
OBJ(CustomerBreadcrumb, "CustomerBreadcrumb", NS_CUSTOMERS, NULL, NULL);

static field_t CustomerInfo_f[] = {
    FLD("AccountId", T_string, 0, "The ID of the account associated with this customer"),
    FLD("ParentCustomerId", T_string, 0, "The parent customer ID for this customer"),
    FLD("Breadcrumb", T_CustomerBreadcrumb, F_LIST, "The breadcrumb to this customer"),
    FLD("AccountName", T_string, 0, "The name of the account associated with this customer"),
    FLD("IsStaging", T_bool, 0, "Is this customer staging or production?"),
    FLD("Name", T_string, 0, "The name of the company"),
    FLD("ReferenceId", T_string, 0, "The reference ID for this company"),
    FLD("Data", T_Struct, 0, "This customer's data values"),
    FLD("Tags", T_Tag, F_LIST, "The list of tags for this customer"),
    FLD("Schedule", T_Schedule, 0, "This customer's schedule"),
    FLD("IntegrationData", T_EntityIntegrationData, 0, "Integration data for this customer"),
    FLD("OverrideBillingSettings", T_bool, 0,
        "Override this customer's billing settings? Otherwise inherits from parent"),
    FLD("BillingSettings", T_BillingSettings, 0, "Billing settings for this customer"),
    FLD("OverrideAppSettings", T_bool, 0,
        "Should this customer override the parent customer's app settings"),
    FLD("AppSettings", T_AppSettings, 0, "App / Portal settings for this customer"),
};
OBJ(CustomerInfo, "CustomerInfo", NS_CUSTOMERS, &T_EntityInfo, NULL);

static field_t ListCustomers_f[] = {
    FLD("AccountIds", T_string, F_LIST, NULL),
    FLD("NameFilter", T_string, 0, NULL),
    FLD("ParentCustomerIds", T_string, F_LIST, NULL),
    FLD("ShallowParent", T_bool, 0, NULL),
    FLD("TagIds", T_string, F_LIST, NULL),
};
OBJ(ListCustomers, "ListCustomers", NS_CUSTOMERS, &T_ListRequest, NULL);

static field_t GetCustomer_f[] = {
    FLD("CustomerId", T_string, 0, NULL),
};
OBJ(GetCustomer, "GetCustomer", NS_CUSTOMERS, NULL, NULL);

static field_t NewCustomer_f[] = {
    FLD("AccountId", T_string, 0, NULL),
    FLD("Name", T_string, 0, NULL),
    FLD("ParentCustomerId", T_string, 0, NULL),
    FLD("ReferenceId", T_string, 0, NULL),
    FLD("Data", T_Struct, 0, NULL),
};
OBJ(NewCustomer, "NewCustomer", NS_CUSTOMERS, NULL, NULL);

static field_t PatchCustomer_f[] = {
    FLD("CustomerId", T_string, 0, "The ID of the customer you want to update"),
    FLD("Name", T_string, 0, "The name for the customer"),
    FLD("ParentCustomerId", T_string, 0, "The parent customer for this customer"),
    FLD("ReferenceId", T_string, 0,
        "The reference ID for this customer (e.g. in a third party system)"),
    FLD("Data", T_Struct, 0, "Data values for this customer"),
    FLD("TagIds", T_string, F_LIST, "The list of tag IDs for this customer"),
    FLD("Schedule", T_Schedule, 0, "This customer's schedule"),
    FLD("OverrideBillingSettings", T_bool, F_NULLABLE,
        "Override this customer's billing settings? Otherwise inherits from parent"),
    FLD("BillingSettings", T_BillingSettings, 0, "Updated billing settings for this customer"),
    FLD("OverrideAppSettings", T_bool, F_NULLABLE,
        "Should this customer override the parent customer's app settings"),
    FLD("AppSettings", T_AppSettings, 0, "App / Portal settings for this customer"),
};
OBJ(PatchCustomer, "PatchCustomer", NS_CUSTOMERS, NULL, NULL);

static field_t DeleteCustomer_f[] = {
    FLD("CustomerId", T_string, 0, NULL),
};
OBJ(DeleteCustomer, "DeleteCustomer", NS_CUSTOMERS, NULL, NULL);

static field_t SetCustomerStagingMode_f[] = {
    FLD("CustomerId", T_string, 0, "The ID of the customer you want to update"),
    FLD("IsStaging", T_bool, 0,
        "Should this customer's phone numbers route to the staging server"),
};
OBJ(SetCustomerStagingMode, "SetCustomerStagingMode", NS_CUSTOMERS, NULL, NULL);

static field_t GetInheritedSchedule_f[] = {
    FLD("CustomerId", T_string, 0, NULL),
    FLD("EndpointId", T_string, 0, NULL),
};
OBJ(GetInheritedSchedule, "GetInheritedSchedule", NS_CUSTOMERS, NULL, NULL);

static field_t TestSchedule_f[] = {
    FLD("CustomerId", T_string, 0, NULL),
    FLD("EndpointId", T_string, 0, NULL),
    FLD("Schedule", T_Schedule, 0, NULL),
    FLD("DateTime", T_string, 0, NULL),
};
OBJ(TestSchedule, "TestSchedule", NS_CUSTOMERS, NULL, NULL);

static field_t TestScheduleResponse_f[] = {
    FLD("StateName", T_string, 0, NULL),
    FLD("TimeZoneId", T_string, 0, NULL),
};
OBJ(TestScheduleResponse, "TestScheduleResponse", NS_CUSTOMERS, NULL, NULL);

/* ===================================================================== Endpoints: enums */

static const char *const EndpointTypes_v[] = {
    "PhoneNumber", "User", "FaxNumber", "EmailAddress", "Unused_1", "Unused_2",
    "Unused_3", "Unused_4", "Unused_5", "Team", "Assistant",
};
ENUM(EndpointTypes, NS_ENDPOINTS);

static const char *const EndpointFlowSchedules_v[] = { "Always", "Scheduled", "Simple" };
ENUM(EndpointFlowSchedules, NS_ENDPOINTS);

static const char *const TwilioSipRegions_v[] = {
    "NorthAmericaVirginia", "NorthAmericaOregon", "EuropeIreland", "EuropeFrankfurt",
    "AsiaPacificSingapore", "AsiaPacificTokyo", "AsiaPacificSydney", "SouthAmericaSanPaolo",
};
ENUM(TwilioSipRegions, NS_ENDPOINTS);

static const char *const AgentStates_v[] = {
    "Unknown", "Ready", "NotReady", "LoggedOut", "WrapUp", "Outgoing", "Other",
};
ENUM(AgentStates, NS_ENDPOINTS);

static const char *const AgentStateReasons_v[] = {
    "Unknown", "SetByUser", "MissedCall", "SetBySystem",
};
ENUM(AgentStateReasons, NS_ENDPOINTS);

static const char *const UserModes_v[] = { "SoftPhone", "Sip", "Flow", "DataOnly", "ThirdParty" };
ENUM(UserModes, NS_ENDPOINTS);

static const char *const UserManagerRoles_v[] = {
    "None", "Manager", "VoicemailAndCallHistory", "Custom",
};
ENUM(UserManagerRoles, NS_ENDPOINTS);

static const char *const UserManagerAccess_v[] = { "ReadOnly", "ReadWrite", "ReadWriteDelete" };
ENUM(UserManagerAccess, NS_ENDPOINTS);

static const char *const DashboardPermissions_v[] = {
    "ViewFiles", "ViewNotifications", "ViewSessions", "ViewEndpoints",
    "ViewReports", "ViewCustomers", "ViewFlows", "ViewCallCenter",
};
ENUM(DashboardPermissions, NS_ENDPOINTS);

static const char *const UserDataFieldModes_v[] = { "Hidden", "ReadOnly", "ReadWrite" };
ENUM(UserDataFieldModes, NS_ENDPOINTS);

static const char *const ActionUrlHttpMethods_v[] = { "GET", "POST" };
ENUM(ActionUrlHttpMethods, NS_ENDPOINTS);

static const char *const CustomerVisibility_v[] = {
    "None", "CurrentCustomer", "CurrentAndChildCustomers",
};
ENUM(CustomerVisibility, NS_ENDPOINTS);

static const char *const ThirdPartyPhoneSystemTypes_v[] = { "Demo", "Sip" };
ENUM(ThirdPartyPhoneSystemTypes, NS_ENDPOINTS);

static const char *const TransportTypes_v[] = { "UDP", "TLS", "TCP", "PERS" };
ENUM(TransportTypes, NS_ENDPOINTS);

/* The .NET enum has explicit values (PCMU=0, GSM=3, PCMA=8, G722=9, G729=18, ILBC=97,
 * AMR=98, AMRWB=99, SPEEX=100, DTMF=101, SPEEXWB=102, ISACWB=103, ISACSWB=104, OPUS=105,
 * G7221=121, NONE=-1); on the wire it is written by name. */
static const char *const AudioCodecTypes_v[] = {
    "PCMU", "GSM", "PCMA", "G722", "G729", "ILBC", "AMR", "AMRWB",
    "SPEEX", "DTMF", "SPEEXWB", "ISACWB", "ISACSWB", "OPUS", "G7221", "NONE",
};
ENUM(AudioCodecTypes, NS_ENDPOINTS);

static const char *const DtmfMethods_v[] = { "RFC2833", "INFO" };
ENUM(DtmfMethods, NS_ENDPOINTS);

static const char *const AssistantTunings_v[] = { "Accuracy", "Speed" };
ENUM(AssistantTunings, NS_ENDPOINTS);

static const char *const AssistantTransferTypes_v[] = { "Blind", "Supervised", "MessagesOnly" };
ENUM(AssistantTransferTypes, NS_ENDPOINTS);

/* ===================================================================== Endpoints: objects */

static field_t EndpointActionUrl_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Url", T_string, 0, NULL),
    FLD("Method", T_ActionUrlHttpMethods, 0, NULL),
};
OBJ(EndpointActionUrl, "EndpointActionUrl", NS_ENDPOINTS, NULL, NULL);

static field_t EndpointContact_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("DisplayName", T_string, 0, NULL),
    FLD("Address", T_string, 0, NULL),
};
OBJ(EndpointContact, "EndpointContact", NS_ENDPOINTS, NULL, NULL);

static field_t ThirdPartySipAccountSettings_f[] = {
    FLD("Number", T_string, 0, NULL),
    FLD("Agent", T_string, 0, NULL),
    FLD("AuthName", T_string, 0, NULL),
    FLD("UserName", T_string, 0, NULL),
    FLD("DisplayName", T_string, 0, NULL),
    FLD("Password", T_string, 0, NULL),
    FLD("UserDomain", T_string, 0, NULL),
    FLD("RegistrationExpires", T_int, 0, NULL),
    FLD("TransportType", T_TransportTypes, 0, NULL),
    FLD("LocalIP", T_string, 0, NULL),
    FLD("LocalPort", T_int, 0, NULL),
    FLD("SipServer", T_string, 0, NULL),
    FLD("SipServerPort", T_int, 0, NULL),
    FLD("OutboundServer", T_string, 0, NULL),
    FLD("OutboundServerPort", T_int, 0, NULL),
    FLD("StunServer", T_string, 0, NULL),
    FLD("StunPort", T_int, 0, NULL),
    FLD("AudioPlaybackDeviceName", T_string, 0, NULL),
    FLD("AudioRecordingDeviceName", T_string, 0, NULL),
    FLD("AudioCodecs", T_AudioCodecTypes, F_LIST, NULL),
    FLD("DTMFMethod", T_DtmfMethods, 0, NULL),
};
OBJ(ThirdPartySipAccountSettings, "ThirdPartySipAccountSettings", NS_ENDPOINTS, NULL, NULL);

static field_t ThirdPartySipSettings_f[] = {
    FLD("Accounts", T_ThirdPartySipAccountSettings, F_LIST, NULL),
};
OBJ(ThirdPartySipSettings, "ThirdPartySipSettings", NS_ENDPOINTS, NULL, NULL);

static field_t ThirdPartyDemoSettings_f[] = {
    FLD("Extension", T_string, 0, NULL),
};
OBJ(ThirdPartyDemoSettings, "ThirdPartyDemoSettings", NS_ENDPOINTS, NULL, NULL);

static field_t ThirdPartyPhoneSystemSettings_f[] = {
    FLD("Type", T_ThirdPartyPhoneSystemTypes, 0, NULL),
    FLD("SipSettings", T_ThirdPartySipSettings, 0, NULL),
    FLD("DemoSettings", T_ThirdPartyDemoSettings, 0, NULL),
};
OBJ(ThirdPartyPhoneSystemSettings, "ThirdPartyPhoneSystemSettings", NS_ENDPOINTS, NULL, NULL);

static field_t AssistantWord_f[] = {
    FLD("Word", T_string, 0, NULL),
    FLD("Pronounced", T_string, 0, NULL),
};
OBJ(AssistantWord, "AssistantWord", NS_ENDPOINTS, NULL, NULL);

static field_t AssistantLink_f[] = {
    FLD("Url", T_string, 0, NULL),
    FLD("Description", T_string, 0, NULL),
};
OBJ(AssistantLink, "AssistantLink", NS_ENDPOINTS, NULL, NULL);

static field_t AssistantTakeMessageField_f[] = {
    FLD("Name", T_string, 0, NULL),
    FLD("Description", T_string, 0, NULL),
    FLD("Required", T_bool, 0, NULL),
};
OBJ(AssistantTakeMessageField, "AssistantTakeMessageField", NS_ENDPOINTS, NULL, NULL);

static field_t AssistantContact_f[] = {
    FLD("Name", T_string, 0, NULL),
    FLD("PhoneNumber", T_string, 0, NULL),
    FLD("TransferType", T_AssistantTransferTypes, 0, NULL),
    FLD("About", T_string, 0, NULL),
    FLD("EmailAddress", T_string, 0, NULL),
    FLD("TakeMessageFields", T_AssistantTakeMessageField, F_LIST, NULL),
};
OBJ(AssistantContact, "AssistantContact", NS_ENDPOINTS, NULL, NULL);

static field_t AssistantIntegration_f[] = {
    FLD("Uri", T_string, 0, NULL),
    FLD("HttpMethod", T_string, 0, NULL),
    FLD("AuthToken", T_string, 0, NULL),
};
OBJ(AssistantIntegration, "AssistantIntegration", NS_ENDPOINTS, NULL, NULL);

static field_t AssistantSettings_f[] = {
    FLD("CompanyName", T_string, 0, NULL),
    FLD("Greeting", T_string, 0, NULL),
    FLD("CompanyInformation", T_string, 0, NULL),
    FLD("CustomPrompt", T_string, 0, NULL),
    FLD("Voice", T_string, 0, NULL),
    FLD("VoiceStyle", T_string, 0, NULL),
    FLD("Tuning", T_AssistantTunings, 0, NULL),
    FLD("Words", T_AssistantWord, F_LIST, NULL),
    FLD("Links", T_AssistantLink, F_LIST, NULL),
    FLD("Contacts", T_AssistantContact, F_LIST, NULL),
    FLD("Integrations", T_AssistantIntegration, F_LIST, NULL),
};
OBJ(AssistantSettings, "AssistantSettings", NS_ENDPOINTS, NULL, NULL);

static field_t EmbedSettings_f[] = {
    FLD("Enabled", T_bool, 0, NULL),
    FLD("AllowedHosts", T_string, 0, NULL),
};
OBJ(EmbedSettings, "EmbedSettings", NS_ENDPOINTS, NULL, NULL);

static field_t EndpointInfo_f[] = {
    FLD("AccountId", T_string, 0, "The account ID this endpoint is associated with"),
    FLD("AccountName", T_string, 0, "The name of the account this endpoint is associated with"),
    FLD("CustomerId", T_string, 0, "The ID of the customer this endpoint is associated with"),
    FLD("CustomerName", T_string, 0, "The name of the customer this endpoint is associated with"),
    FLD("ReferenceId", T_string, 0, "The third party reference ID for the endpoint"),
    FLD("CustomerBreadcrumb", T_CustomerBreadcrumb, F_LIST,
        "The breadcrumb to the customer for this endpoint"),
    FLD("DisplayName", T_string, 0, "The display name of the endpoint"),
    FLD("Type", T_EndpointTypes, 0, "The type of endpoint"),
    FLD("ExtraInformation", T_string, 0, "Extra info for this endpoint (typically to show in grid)"),
    FLD("FlowId", T_string, 0, "The ID of the flow to use for voice"),
    FLD("FlowName", T_string, 0, "The name of the flow to use for voice"),
    FLD("FlowParams", T_Struct, 0, "The params for the voice flow"),
    FLD("FlowSchedule", T_EndpointFlowSchedules, 0,
        "Whether to use a single flow always or use scheduled flow system"),
    FLD("Schedule", T_Schedule, 0, "This endpoint's schedule"),
    FLD("ScheduledFlows", T_ScheduledFlow, F_LIST,
        "The list of scheduled flows when using scheduling"),
    FLD("DisableSms", T_bool, 0, "Disable SMS"),
    FLD("UseExternal10DlcCampaign", T_bool, 0,
        "Set this to true to prevent Evo Voice from overriding the 10DLC / SMS settings for this number"),
    FLD("IsVirtualPhoneNumber", T_bool, 0, "Is this a virtual phone number?"),
    FLD("IsCallerIdVerified", T_bool, 0, "Is caller ID verified for this virtual number?"),
    FLD("CallerIdVerificationCode", T_string, 0, "The verification code for this number"),
    FLD("PhoneNumber", T_string, 0, "The phone number"),
    FLD("PhoneNumberSid", T_string, 0, "The Sid of the phone number"),
    FLD("CallerIdName", T_string, 0, "The caller ID Name (CNAM) for the phone number"),
    FLD("AddressSid", T_string, 0, "The address SID associated with the phone number"),
    FLD("DoNotTouchPhoneNumber", T_bool, 0, "Do not touch this phone number - for BYOA accounts"),
    FLD("IsEnrolledIn10DlcService", T_bool, 0,
        "Is this number enrolled in a 10DLC messaging service campaign"),
    FLD("EnableCallerIdLookup", T_bool, 0, "Whether we look up caller ID or not"),
    FLD("UserEmailAddress", T_string, 0, "The email address of the user"),
    FLD("SipRegion", T_TwilioSipRegions, 0, "The Twilio Region for the SIP endpoint"),
    FLD("SipCredentialSid", T_string, 0, "The Twilio Sid of the credentials for Sip"),
    FLD("SipUserName", T_string, 0, "The Twilio SIP user name"),
    FLD("SipPassword", T_string, F_SECRET, "The Twilio SIP password"),
    FLD("SipDomain", T_string, 0, "The SIP domain"),
    FLD("EnableEmergencyCalling", T_bool, 0, "Is emergency calling enabled on this number?"),
    FLD("EmergencyAddressSid", T_string, 0, "The SID of the emergency address for this number"),
    FLD("EmergencyPhoneNumberId", T_string, 0,
        "The ID of the phone number to use for emergency dialing"),
    FLD("AgentState", T_AgentStates, 0, "The current agent state of this user endpoint"),
    FLD("AgentStateReason", T_AgentStateReasons, 0,
        "The current agent state reason of this user endpoint"),
    FLD("UserMode", T_UserModes, 0, "The mode for this user"),
    FLD("VoicemailGreetingId", T_string, 0, "The ID of the file to use for voicemail greeting"),
    FLD("Data", T_Struct, 0, "The endpoint's data"),
    FLD("EmailAddress", T_string, 0, "The email address for email endpoints"),
    FLD("UserFirstName", T_string, 0, "The first name of the user (for user endpoints)"),
    FLD("UserLastName", T_string, 0, "The last name of the user (for user endpoints)"),
    FLD("AvatarUrl", T_string, 0, "The URL of an image for this user's avatar"),
    FLD("ManagerRole", T_UserManagerRoles, 0, "Does this user have manager role?"),
    FLD("ManagerAccess", T_UserManagerAccess, 0,
        "The read/write/delete access that the user has in the dashboard"),
    FLD("DashboardPermissions", T_DashboardPermissions, F_LIST,
        "The list of dashboard permissions for when the manager role is custom"),
    FLD("MyFieldPermissions", T_UserDataFieldModes, 0,
        "The type of visibility this user has to their own fields"),
    FLD("CustomerFieldPermissions", T_UserDataFieldModes, 0,
        "The type of visibility this user has to customer fields"),
    FLD("OtherUserFieldPermissions", T_UserDataFieldModes, 0,
        "The type of visibility this user has to other user fields"),
    FLD("OtherEndpointFieldPermissions", T_UserDataFieldModes, 0,
        "The type of visibility this user has to other endpoint fields"),
    FLD("Name", T_string, 0, "The name of this endpoint (for bots etc.)"),
    FLD("Tags", T_Tag, F_LIST, "The list of tags for this endpoint"),
    FLD("ActionUrls", T_EndpointActionUrl, F_LIST, "The list of action URLs"),
    FLD("TeamMemberIds", T_string, F_LIST, "The list of members in this team"),
    FLD("ContactListVisibility", T_CustomerVisibility, 0,
        "Visibility of this user/team in contact lists"),
    FLD("Contacts", T_EndpointContact, F_LIST, "The list of contacts personal to this user"),
    FLD("DocumoId", T_string, 0, "The documo ID for this number"),
    FLD("IntegrationData", T_EntityIntegrationData, 0, "Integration data for this endpoint"),
    FLD("ThirdPartyPhoneSystemSettings", T_ThirdPartyPhoneSystemSettings, 0,
        "Settings for third party phone system"),
    FLD("OverrideAppSettings", T_bool, 0,
        "Should this user override the parent customer's app settings"),
    FLD("AppSettings", T_AppSettings, 0, "App / Portal settings for this user"),
    FLD("AssistantSettings", T_AssistantSettings, 0, "Configuration for the AI assistant"),
    FLD("EmbedSettings", T_EmbedSettings, 0, "Configuration for the embed"),
};
OBJ(EndpointInfo, "EndpointInfo", NS_ENDPOINTS, &T_EntityInfo, NULL);

static field_t PhoneNumberInfo_f[] = {
    FLD("PhoneNumber", T_string, 0, NULL),
    FLD("FriendlyName", T_string, 0, NULL),
    FLD("Locality", T_string, 0, NULL),
    FLD("Region", T_string, 0, NULL),
    FLD("PostalCode", T_string, 0, NULL),
    FLD("IsoCountry", T_string, 0, NULL),
};
OBJ(PhoneNumberInfo, "PhoneNumberInfo", NS_ENDPOINTS, NULL, NULL);

static field_t ListEndpoints_f[] = {
    FLD("AccountIds", T_string, F_LIST, NULL),
    FLD("CustomerIds", T_string, F_LIST, NULL),
    FLD("ReferenceIds", T_string, F_LIST, NULL),
    FLD("ShallowParent", T_bool, 0, NULL),
    FLD("FlowIds", T_string, F_LIST, "Endpoints using one of these flows (flowId, or a scheduled flow)"),
    FLD("FlowState", T_string, 0, "With FlowIds: the schedule state in which those flows apply"),
    FLD("TagIds", T_string, F_LIST, NULL),
    FLD("NameFilter", T_string, 0, NULL),
    FLD("PhoneNumberFilter", T_string, 0, NULL),
    FLD("SipUserName", T_string, 0, "Only the user endpoint with this SIP user name"),
    FLD("UserMode", T_UserModes, F_NULLABLE, "Only user endpoints in this mode"),
    FLD("Type", T_EndpointTypes, F_NULLABLE, NULL),
    FLD("Types", T_EndpointTypes, F_LIST, NULL),
    FLD("DataFilters", T_string, F_LIST, NULL),
    FLD("FlowParametersFilter", T_string, 0,
        "A JSON object: endpoints whose flowParams hold every one of its values"),
};
OBJ(ListEndpoints, "ListEndpoints", NS_ENDPOINTS, &T_ListRequest, NULL);

static field_t GetEndpointDuplicates_f[] = {
    FLD("AccountId", T_string, 0, "The account whose endpoints to compare"),
    FLD("EndpointFieldName", T_string, 0,
        "The EndpointInfo field to compare (PhoneNumber, the default; DisplayName, ReferenceId, SipUserName, ...)"),
};
OBJ(GetEndpointDuplicates, "GetEndpointDuplicates", NS_ENDPOINTS, NULL,
    "The endpoints of an account that share a value of one field, a group for each value");

static field_t EndpointDuplicate_f[] = {
    FLD("Value", T_string, 0, "The value they share, as text"),
    FLD("Count", T_int, 0, "How many endpoints share it"),
    FLD("EndpointIds", T_string, F_LIST, "Their ids, in id order"),
    FLD("DisplayNames", T_string, F_LIST, "Their display names, in the same order"),
};
OBJ(EndpointDuplicate, "EndpointDuplicate", NS_ENDPOINTS, NULL, NULL);

static field_t GetEndpointDuplicatesResponse_f[] = {
    FLD("FieldName", T_string, 0, "The field compared"),
    FLD("Items", T_EndpointDuplicate, F_LIST, "A group for each shared value, by value"),
};
OBJ(GetEndpointDuplicatesResponse, "GetEndpointDuplicatesResponse", NS_ENDPOINTS, NULL, NULL);

static field_t GetEndpoint_f[] = {
    FLD("EndpointId", T_string, 0, NULL),
};
OBJ(GetEndpoint, "GetEndpoint", NS_ENDPOINTS, NULL, NULL);

static field_t PatchEndpoint_f[] = {
    FLD("EndpointId", T_string, 0, NULL),
    FLD("DisplayName", T_string, 0, NULL),
    FLD("ReferenceId", T_string, 0, NULL),
    FLD("ExtraInformation", T_string, 0, NULL),
    FLD("FlowId", T_string, 0, NULL),
    FLD("FlowParams", T_Struct, 0, NULL),
    FLD("IsPartialFlowUpdate", T_bool, 0, "Merge FlowParams key by key into the stored ones instead of replacing them"),
    FLD("FlowSchedule", T_EndpointFlowSchedules, F_NULLABLE, NULL),
    FLD("Schedule", T_Schedule, 0, NULL),
    FLD("ScheduledFlows", T_ScheduledFlow, F_LIST, NULL),
    FLD("DisableSms", T_bool, F_NULLABLE, NULL),
    FLD("UseExternal10DlcCampaign", T_bool, F_NULLABLE, NULL),
    FLD("CallerIdName", T_string, 0, NULL),
    FLD("EnableCallerIdLookup", T_bool, F_NULLABLE, NULL),
    FLD("Data", T_Struct, 0, NULL),
    FLD("TagIds", T_string, F_LIST, NULL),
    FLD("CustomerId", T_string, 0, NULL),
    FLD("UserFirstName", T_string, 0, "User endpoints: the first name (also the login's)"),
    FLD("UserLastName", T_string, 0, "User endpoints: the last name (also the login's)"),
    FLD("UserMode", T_UserModes, F_NULLABLE, "User endpoints: the mode; leaving Sip deletes the SIP credential"),
    FLD("SipRegion", T_TwilioSipRegions, F_NULLABLE, "User endpoints: the Twilio region for SIP"),
    FLD("AvatarUrl", T_string, 0, "User endpoints: the avatar image URL"),
    FLD("ContactListVisibility", T_CustomerVisibility, F_NULLABLE, "User and Team endpoints"),
    FLD("TeamMemberIds", T_string, F_LIST, "Team endpoints: User endpoints of the same account (replaces the list)"),
    FLD("EmailAddress", T_string, 0, "Email endpoints: the address"),
    FLD("Name", T_string, 0, "Team and Assistant endpoints: the name"),
    FLD("AssistantSettings", T_AssistantSettings, 0, "Assistant endpoints: replaced whole"),
    FLD("EmbedSettings", T_EmbedSettings, 0, "Assistant endpoints: replaced whole"),
};
OBJ(PatchEndpoint, "PatchEndpoint", NS_ENDPOINTS, NULL, NULL);

static field_t DeleteEndpoint_f[] = {
    FLD("EndpointId", T_string, 0, NULL),
};
OBJ(DeleteEndpoint, "DeleteEndpoint", NS_ENDPOINTS, NULL, NULL);

static field_t SearchPhoneNumbers_f[] = {
    FLD("AccountId", T_string, 0, NULL),
    FLD("CountryCode", T_string, 0, NULL),
    FLD("AreaCode", T_string, 0, NULL),
    FLD("PostalCode", T_string, 0, NULL),
    FLD("Region", T_string, 0, NULL),
    FLD("Distance", T_int, F_NULLABLE, NULL),
    FLD("Contains", T_string, 0, NULL),
    FLD("IsFaxNumber", T_bool, 0, NULL),
};
OBJ(SearchPhoneNumbers, "SearchPhoneNumbers", NS_ENDPOINTS, NULL, NULL);

static field_t BuyPhoneNumber_f[] = {
    FLD("AccountId", T_string, 0, "The ID of the account to associate the number with"),
    FLD("CustomerId", T_string, 0, "The ID of the customer to associate this number with"),
    FLD("Number", T_string, 0, "The number to buy/create"),
    FLD("IsVirtualPhoneNumber", T_bool, 0,
        "Is this number virtual? If so we will not buy but just create an entry"),
    FLD("IsFaxNumber", T_bool, 0, "Is this a fax number?"),
    FLD("AddressSid", T_string, 0, "The address SID to associate with the phone number"),
    FLD("TagIds", T_string, F_LIST, "The list of tags to associate with the new endpoint"),
    FLD("Data", T_Struct, 0, "Data values for this endpoint"),
    FLD("FlowId", T_string, 0, "Specify the flow to use"),
    FLD("FlowParams", T_Struct, 0, "The flow params"),
};
OBJ(BuyPhoneNumber, "BuyPhoneNumber", NS_ENDPOINTS, NULL, NULL);

static field_t SetPhoneNumberIsFax_f[] = {
    FLD("EndpointId", T_string, 0, "The ID of the endpoint"),
    FLD("IsFax", T_bool, 0, "Whether it's a fax or not?"),
};
OBJ(SetPhoneNumberIsFax, "SetPhoneNumberIsFax", NS_ENDPOINTS, NULL, NULL);

static field_t SyncPhoneNumbers_f[] = {
    FLD("AccountId", T_string, 0, "The account whose numbers at the carrier to compare with its endpoints"),
    FLD("ImportUnknown", T_bool, 0,
        "Import the numbers the carrier holds that no endpoint has, as PhoneNumber endpoints pointed at our webhooks"),
    FLD("CustomerId", T_string, 0, "The customer to import them under (required to import)"),
};
OBJ(SyncPhoneNumbers, "SyncPhoneNumbers", NS_ENDPOINTS, NULL,
    "Compare the numbers the account holds at the carrier with its phone number endpoints; optionally import the "
    "unknown ones");

static field_t CarrierPhoneNumber_f[] = {
    FLD("PhoneNumberSid", T_string, 0, "The carrier's id of the number (PN...)"),
    FLD("PhoneNumber", T_string, 0, "The number, E.164"),
    FLD("FriendlyName", T_string, 0, "Its name at the carrier"),
    FLD("VoiceUrl", T_string, 0, "Where the carrier sends its calls (before an import)"),
    FLD("State", T_string, 0,
        "NotImported, Imported, HeldByAnotherAccount (an endpoint of another account has the number), "
        "BeingBought (a purchase of it is in progress), or OverCap (importing it would pass maxPhoneNumbers)"),
    FLD("EndpointId", T_string, 0, "The endpoint made, when imported"),
};
OBJ(CarrierPhoneNumber, "CarrierPhoneNumber", NS_ENDPOINTS, NULL, NULL);

static field_t MissingPhoneNumber_f[] = {
    FLD("EndpointId", T_string, 0, "The endpoint"),
    FLD("PhoneNumber", T_string, 0, "Its number"),
    FLD("PhoneNumberSid", T_string, 0, "The carrier's id it was stored with"),
    FLD("DisplayName", T_string, 0, "Its display name"),
    FLD("CustomerId", T_string, 0, "Its customer"),
};
OBJ(MissingPhoneNumber, "MissingPhoneNumber", NS_ENDPOINTS, NULL, NULL);

static field_t SyncPhoneNumbersResponse_f[] = {
    FLD("AccountId", T_string, 0, "The account compared"),
    FLD("CarrierNumberCount", T_int, 0, "The numbers the carrier holds on the account's carrier account"),
    FLD("KnownCount", T_int, 0, "Those an endpoint of the account has"),
    FLD("ImportedCount", T_int, 0, "Those imported by this request"),
    FLD("UnknownNumbers", T_CarrierPhoneNumber, F_LIST, "The carrier's numbers no endpoint of the account has, by number"),
    FLD("MissingAtCarrier", T_MissingPhoneNumber, F_LIST,
        "The account's bought (not virtual) number endpoints the carrier does not hold, by number"),
};
OBJ(SyncPhoneNumbersResponse, "SyncPhoneNumbersResponse", NS_ENDPOINTS, NULL, NULL);

/* The create bodies of the other endpoint types (guessed: FLOWS.md 1.3): their owner
 * first, their own fields, then what every endpoint has. */
#define NEW_ENDPOINT_OWNER                                                                \
    FLD("AccountId", T_string, 0, "The ID of the account (or the customer's)"),            \
    FLD("CustomerId", T_string, 0, "The ID of the customer the endpoint belongs to")
#define NEW_ENDPOINT_COMMON(display_default)                                              \
    FLD("DisplayName", T_string, 0, "The display name (default: " display_default ")"),    \
    FLD("ReferenceId", T_string, 0, "The third party reference ID"),                       \
    FLD("TagIds", T_string, F_LIST, "The tags of the new endpoint"),                       \
    FLD("Data", T_Struct, 0, "Data values for this endpoint"),                             \
    FLD("FlowId", T_string, 0, "The flow to use (for a user: when it dials out)"),         \
    FLD("FlowParams", T_Struct, 0, "The flow params")

static field_t NewUserEndpoint_f[] = {
    NEW_ENDPOINT_OWNER,
    FLD("EmailAddress", T_string, 0, "The user's e-mail address: the phone login's name, unique in the system"),
    FLD("UserEmailAddress", T_string, 0, "The same as EmailAddress (either may be given)"),
    FLD("FirstName", T_string, 0, "The user's first name"),
    FLD("LastName", T_string, 0, "The user's last name"),
    FLD("Password", T_string, F_CREDENTIAL, "The phone login's password (rules as for NewUser)"),
    FLD("UserMode", T_UserModes, F_NULLABLE, "The mode (default SoftPhone); Sip makes a SIP credential"),
    FLD("SipRegion", T_TwilioSipRegions, F_NULLABLE, "The Twilio region for SIP (default: the account's)"),
    NEW_ENDPOINT_COMMON("first and last name"),
};
OBJ(NewUserEndpoint, "NewUserEndpoint", NS_ENDPOINTS, NULL, NULL);

static field_t NewTeamEndpoint_f[] = {
    NEW_ENDPOINT_OWNER,
    FLD("Name", T_string, 0, "The team's name"),
    FLD("TeamMemberIds", T_string, F_LIST, "The members: User endpoints of the same account"),
    FLD("ContactListVisibility", T_CustomerVisibility, F_NULLABLE, "Visibility in contact lists"),
    NEW_ENDPOINT_COMMON("the name"),
};
OBJ(NewTeamEndpoint, "NewTeamEndpoint", NS_ENDPOINTS, NULL, NULL);

static field_t NewEmailEndpoint_f[] = {
    NEW_ENDPOINT_OWNER,
    FLD("EmailAddress", T_string, 0, "The address whose messages run the flow"),
    NEW_ENDPOINT_COMMON("the address"),
};
OBJ(NewEmailEndpoint, "NewEmailEndpoint", NS_ENDPOINTS, NULL, NULL);

static field_t NewAssistantEndpoint_f[] = {
    NEW_ENDPOINT_OWNER,
    FLD("Name", T_string, 0, "The assistant's name"),
    FLD("AssistantSettings", T_AssistantSettings, 0, "Configuration for the AI assistant"),
    FLD("EmbedSettings", T_EmbedSettings, 0, "Configuration for the embed"),
    NEW_ENDPOINT_COMMON("the name"),
};
OBJ(NewAssistantEndpoint, "NewAssistantEndpoint", NS_ENDPOINTS, NULL, NULL);

static field_t RegenerateSipPassword_f[] = {
    FLD("EndpointId", T_string, 0, "The ID of the User endpoint in Sip mode"),
};
OBJ(RegenerateSipPassword, "RegenerateSipPassword", NS_ENDPOINTS, NULL, NULL);

/* ===================================================================== Authentication */

static field_t UserInfo_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("IsAuthenticated", T_bool, 0, NULL),
    FLD("FirstName", T_string, 0, NULL),
    FLD("LastName", T_string, 0, NULL),
    FLD("Name", T_string, 0, NULL),
    FLD("AvatarUrl", T_string, 0, NULL),
    FLD("EmailAddress", T_string, 0, NULL),
    FLD("Roles", T_string, F_LIST, NULL),
    FLD("AccountIds", T_string, F_LIST, NULL),
    FLD("AccountNames", T_string, F_LIST, NULL),
    FLD("ManagerAccess", T_UserManagerAccess, 0, NULL),
    FLD("DashboardPermissions", T_DashboardPermissions, F_LIST, NULL),
    FLD("CustomerIds", T_string, F_LIST, NULL),
};
OBJ(UserInfo, "UserInfo", NS_AUTH, NULL, NULL);

OBJ0(GetAuthStatus, NS_AUTH, NULL, NULL);

static field_t ListUsers_f[] = {
    FLD("AccountIds", T_string, F_LIST, NULL),
    FLD("EmailFilter", T_string, 0, NULL),
};
OBJ(ListUsers, "ListUsers", NS_AUTH, &T_ListRequest, NULL);

static field_t NewUser_f[] = {
    FLD("AccountId", T_string, 0, NULL),
    FLD("EmailAddress", T_string, 0, NULL),
    FLD("FirstName", T_string, 0, NULL),
    FLD("LastName", T_string, 0, NULL),
    FLD("Password", T_string, F_CREDENTIAL, NULL),
    FLD("Roles", T_string, F_LIST, NULL),
    FLD("CustomerIds", T_string, F_LIST, NULL),
    FLD("ManagerAccess", T_UserManagerAccess, F_NULLABLE, NULL),
};
OBJ(NewUser, "NewUser", NS_AUTH, NULL, NULL);

static field_t PatchUser_f[] = {
    FLD("UserId", T_string, 0, NULL),
    FLD("AccountIds", T_string, F_LIST, NULL),
    FLD("FirstName", T_string, 0, NULL),
    FLD("LastName", T_string, 0, NULL),
    FLD("NewPassword", T_string, F_CREDENTIAL, NULL),
    FLD("Roles", T_string, F_LIST, NULL),
    FLD("CustomerIds", T_string, F_LIST, NULL),
    FLD("ManagerAccess", T_UserManagerAccess, F_NULLABLE, NULL),
    FLD("DashboardPermissions", T_DashboardPermissions, F_LIST, NULL),
};
OBJ(PatchUser, "PatchUser", NS_AUTH, NULL, NULL);

static field_t DeleteUser_f[] = {
    FLD("UserId", T_string, 0, NULL),
};
OBJ(DeleteUser, "DeleteUser", NS_AUTH, NULL, NULL);

/* ===================================================================== list responses */

LISTRESP(AccountInfo);
LISTRESP(CustomerInfo);
LISTRESP(EndpointInfo);
LISTRESP(UserInfo);
LISTRESP(PhoneNumberInfo);

/* ===================================================================== Flows */

#define NS_FLOWS "Voice.Api.Flows"

static const char *const FlowRoles_v[] = { "UI", "Reference", "PhoneNumberRouting", "UserDialOut", "FaxNumberRouting" };
ENUM(FlowRoles, NS_FLOWS);

static const char *const FlowNodeCategories_v[] = {
    "General", "Voice", "Logic", "DateAndTime", "Audio", "Messaging", "Assistant",
    "Flows", "Fax", "Network", "Cookies", "CallCenter", "Intelligence",
};
ENUM(FlowNodeCategories, NS_FLOWS);

static const char *const ValueTypes_v[] = {
    "NotSpecified", "String", "Boolean", "Number", "List", "Struct", "Transition", "Custom",
    "Date", "AudioFile", "TimeZoneId", "PhoneNumber", "User", "Endpoint", "Time", "File", "FaxNumber",
    "EmailAccount", "Customer", "Flow", "Team", "FlowReference", "Integration", "Assistant",
};
ENUM(ValueTypes, NS_DATA);

static const char *const UIHints_v[] = { "None", "LargeText", "InlineForm", "Password", "InlineStruct" };
ENUM(UIHints, NS_DATA);

static const char *const FlowChannels_v[] = { "Voice", "Chat", "Fax" };
ENUM(FlowChannels, NS_FLOWS);

/* Where a node parameter's value comes from (ours: the names the CLI and the field-name
 * lookup use; the original's enum is not published). */
static const char *const ValueSources_v[] = {
    "Value", "Session", "Customer", "Endpoint", "User", "System", "Flow", "Expression",
};
ENUM(ValueSources, NS_FLOWS);

/* Designer layout data: kept as given, never read (ours: a map of Values). */
MAP(FlowUI, NS_FLOWS, T_Value);

static field_t FlowDataType_f[] = {
    FLD("TypeName", T_string, 0, NULL),
    FLD("Fields", T_FlowParameter, F_LIST, NULL),
};
OBJ(FlowDataType, "FlowDataType", NS_DATA, NULL, "The shape of a List or Struct value");

static field_t FlowParameter_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Name", T_string, 0, "The name of the parameter"),
    FLD("Type", T_ValueTypes, 0, "The type of the parameter"),
    FLD("Description", T_string, 0, NULL),
    FLD("IsPublic", T_bool, 0, "Can a caller of the flow set it (an input)?"),
    FLD("IsOutput", T_bool, 0, "Does the flow give it back to its caller (must be public)?"),
    FLD("IsKnob", T_bool, 0, NULL),
    FLD("DefaultValue", T_Value, 0, NULL),
    FLD("ListType", T_FlowDataType, 0, "The element type of a List parameter"),
    FLD("StructType", T_FlowDataType, 0, NULL),
};
OBJ(FlowParameter, "FlowParameter", NS_FLOWS, NULL, NULL);

static field_t FlowExit_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Name", T_string, 0, NULL),
};
OBJ(FlowExit, "FlowExit", NS_FLOWS, NULL, NULL);

static field_t NodeParameterSpec_f[] = {
    FLD("Name", T_string, 0, NULL),
    FLD("Type", T_ValueTypes, 0, NULL),
    FLD("Description", T_string, 0, NULL),
    FLD("IsRequired", T_bool, 0, NULL),
    FLD("IsAsync", T_bool, 0, "A transition followed outside the call's main path"),
    FLD("IsOutput", T_bool, 0, NULL),
    FLD("IsDynamic", T_bool, 0, "Transitions of this kind come one per entry (e.g. a menu choice)"),
    FLD("PossibleValues", T_string, F_LIST, NULL),
    FLD("DefaultValue", T_Value, 0, NULL),
};
OBJ(NodeParameterSpec, "NodeParameterSpec", NS_FLOWS, NULL, NULL);

static field_t FlowNodeSpec_f[] = {
    FLD("Name", T_string, 0, "The display name of the node type"),
    FLD("TypeName", T_string, 0, NULL),
    FLD("Url", T_string, 0, "The handler of the node"),
    FLD("Description", T_string, 0, NULL),
    FLD("Category", T_FlowNodeCategories, F_NULLABLE, NULL),
    FLD("Channels", T_FlowChannels, F_LIST, NULL),
    FLD("Parameters", T_NodeParameterSpec, F_LIST, "Inputs, outputs and transitions of the node type"),
};
OBJ(FlowNodeSpec, "FlowNodeSpec", NS_FLOWS, NULL, NULL);

MAP(NodeParameterMap, NS_FLOWS, T_NodeParameter);

static field_t NodeParameter_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Type", T_ValueTypes, 0, NULL),
    FLD("Source", T_ValueSources, 0, NULL),
    FLD("Value", T_Value, 0, NULL),
    FLD("Expression", T_string, 0, NULL),
    FLD("ReferenceId", T_string, 0, NULL),
    FLD("ListParameters", T_NodeParameterMap, F_LIST, NULL),
    FLD("StructParameters", T_NodeParameterMap, 0, NULL),
    FLD("IsAsync", T_bool, 0, NULL),
    FLD("IsOutput", T_bool, 0, NULL),
};
OBJ(NodeParameter, "NodeParameter", NS_FLOWS, NULL, NULL);

static field_t FlowNode_f[] = {
    FLD("Id", T_string, 0, "The unique ID of this node"),
    FLD("IsStartNode", T_bool, 0, "Is this the start node for the flow"),
    FLD("Name", T_string, 0, NULL),
    FLD("Spec", T_FlowNodeSpec, 0, NULL),
    FLD("Parameters", T_NodeParameterMap, 0, NULL),
};
OBJ(FlowNode, "FlowNode", NS_FLOWS, NULL, NULL);

static field_t FlowInfo_f[] = {
    FLD("Name", T_string, 0, "The name of this flow"),
    FLD("Roles", T_FlowRoles, F_LIST, "What this flow may be used for"),
    FLD("Description", T_string, 0, "What this flow does"),
    FLD("Notes", T_string, 0, "Notes for this flow"),
    FLD("AccountId", T_string, 0, "The ID of the account associated with the flow"),
    FLD("AccountName", T_string, 0, "The name of the account associated with the flow"),
    FLD("CustomerId", T_string, 0, "The ID of the customer this flow is associated with"),
    FLD("CustomerName", T_string, 0, "The name of the customer this flow is associated with"),
    FLD("CustomerBreadcrumb", T_CustomerBreadcrumb, F_LIST, "The breadcrumb to the flow for this customer"),
    FLD("Nodes", T_FlowNode, F_LIST, "The nodes in this flow"),
    FLD("Parameters", T_FlowParameter, F_LIST, "The flow's parameters"),
    FLD("Exits", T_FlowExit, F_LIST, "The flow's exits"),
    FLD("Ui", T_FlowUI, 0, "Designer layout data"),
    FLD("Tags", T_Tag, F_LIST, "The list of tags for this flow"),
    FLD("NodeCount", T_int, 0, "The number of nodes in this flow"),
};
OBJ(FlowInfo, "FlowInfo", NS_FLOWS, &T_EntityInfo, NULL);

static field_t ListFlows_f[] = {
    FLD("AccountIds", T_string, F_LIST, "The IDs of the account whose flows you want"),
    FLD("CustomerIds", T_string, F_LIST, "The IDs of the customers whose flows you want"),
    FLD("NameFilter", T_string, 0, "The name filter for the flows"),
    FLD("TagIds", T_string, F_LIST, "Only flows with every one of these tags"),
    FLD("Role", T_FlowRoles, F_NULLABLE, "Only flows with this role"),
    FLD("IncludeNodes", T_bool, 0, "Include the nodes (omitted unless true)"),
    FLD("NodeTypeFilter", T_string, 0, "Only flows with a node of this type (spec name or typeName)"),
};
OBJ(ListFlows, "ListFlows", NS_FLOWS, &T_ListRequest, NULL);

static field_t GetFlow_f[] = {
    FLD("FlowId", T_string, 0, "The ID of the flow you want to get"),
};
OBJ(GetFlow, "GetFlow", NS_FLOWS, NULL, NULL);

static field_t NewFlow_f[] = {
    FLD("AccountId", T_string, 0, "The ID of the account to associate this flow with"),
    FLD("CustomerId", T_string, 0, "The ID of the customer to scope this flow to"),
    FLD("Name", T_string, 0, "The name of the flow"),
    FLD("Description", T_string, 0, NULL),
    FLD("Notes", T_string, 0, NULL),
    FLD("Roles", T_FlowRoles, F_LIST, NULL),
    FLD("Parameters", T_FlowParameter, F_LIST, NULL),
    FLD("Exits", T_FlowExit, F_LIST, NULL),
    FLD("Nodes", T_FlowNode, F_LIST, NULL),
    FLD("TagIds", T_string, F_LIST, NULL),
    FLD("Ui", T_FlowUI, 0, NULL),
};
OBJ(NewFlow, "NewFlow", NS_FLOWS, NULL, "Create a new flow");

static field_t PatchFlow_f[] = {
    FLD("FlowId", T_string, 0, "The ID of the flow you want to update"),
    FLD("Name", T_string, 0, NULL),
    FLD("Description", T_string, 0, NULL),
    FLD("Notes", T_string, 0, NULL),
    FLD("CustomerId", T_string, 0, "The customer to scope the flow to (empty: the account)"),
    FLD("Roles", T_FlowRoles, F_LIST, NULL),
    FLD("TagIds", T_string, F_LIST, NULL),
    FLD("Nodes", T_FlowNode, F_LIST, NULL),
    FLD("Parameters", T_FlowParameter, F_LIST, NULL),
    FLD("Exits", T_FlowExit, F_LIST, NULL),
    FLD("Ui", T_FlowUI, 0, NULL),
};
OBJ(PatchFlow, "PatchFlow", NS_FLOWS, NULL, "Update a flow");

static field_t DeleteFlow_f[] = {
    FLD("FlowId", T_string, 0, "The ID of the flow to delete"),
};
OBJ(DeleteFlow, "DeleteFlow", NS_FLOWS, NULL, NULL);

static field_t CopyFlow_f[] = {
    FLD("FlowId", T_string, 0, "The ID of the flow to copy"),
};
OBJ(CopyFlow, "CopyFlow", NS_FLOWS, NULL, "Make a copy of a flow");

static field_t ListAvailableNodes_f[] = {
    FLD("FlowId", T_string, 0, "The flow the nodes are for (optional)"),
};
OBJ(ListAvailableNodes, "ListAvailableNodes", NS_FLOWS, NULL, NULL);

static field_t GetParameterFieldNames_f[] = {
    FLD("AccountId", T_string, 0, NULL),
    FLD("ExcludeBuiltInFields", T_bool, 0, NULL),
};
OBJ(GetParameterFieldNames, "GetParameterFieldNames", NS_FLOWS, NULL, NULL);

static field_t ParameterFieldInfo_f[] = {
    FLD("FieldName", T_string, 0, NULL),
    FLD("ValueType", T_ValueTypes, 0, NULL),
    FLD("Field", T_DataField, 0, NULL),
};
OBJ(ParameterFieldInfo, "ParameterFieldInfo", NS_FLOWS, NULL, NULL);

static field_t GetParameterFieldNamesResponse_f[] = {
    FLD("Customer", T_ParameterFieldInfo, F_LIST, NULL),
    FLD("System", T_ParameterFieldInfo, F_LIST, NULL),
    FLD("Session", T_ParameterFieldInfo, F_LIST, NULL),
    FLD("Endpoint", T_ParameterFieldInfo, F_LIST, NULL),
    FLD("User", T_ParameterFieldInfo, F_LIST, NULL),
};
OBJ(GetParameterFieldNamesResponse, "GetParameterFieldNamesResponse", NS_FLOWS, NULL, NULL);

static field_t PackageInfo_f[] = {
    FLD("Flows", T_FlowInfo, F_LIST, NULL),
    FLD("CustomerFields", T_DataField, F_LIST, NULL),
    FLD("EndpointFields", T_DataField, F_LIST, NULL),
    FLD("SystemFields", T_DataField, F_LIST, NULL),
};
OBJ(PackageInfo, "PackageInfo", NS_FLOWS, NULL, NULL);

static field_t ExportPackage_f[] = {
    FLD("AccountId", T_string, 0, NULL),
    FLD("FlowIds", T_string, F_LIST, NULL),
    FLD("IncludeAllCustomFields", T_bool, 0, NULL),
};
OBJ(ExportPackage, "ExportPackage", NS_FLOWS, NULL, "Export flows with the custom fields they use");

static field_t ImportPackage_f[] = {
    FLD("AccountId", T_string, 0, NULL),
    FLD("Package", T_PackageInfo, 0, NULL),
};
OBJ(ImportPackage, "ImportPackage", NS_FLOWS, NULL, "Import a package of flows into an account");

static field_t ImportPackageResponse_f[] = {
    FLD("Flows", T_FlowInfo, F_LIST, "The flows created"),
};
OBJ(ImportPackageResponse, "ImportPackageResponse", NS_FLOWS, NULL, NULL);

LISTRESP(FlowInfo);
LISTRESP(FlowNodeSpec);

/* ===================================================================== Voice.Api.Sessions, Voice.Api.Files */
#define NS_SESSIONS "Voice.Api.Sessions"
#define NS_FILES    "Voice.Api.Files"

static const char *const SessionDialState_v[] = { "None", "Active" };
ENUM(SessionDialState, NS_SESSIONS);
static const char *const SessionCallState_v[] = { "Disconnected", "Ringing", "Connected", "Hold", "Passive" };
ENUM(SessionCallState, NS_SESSIONS);
static const char *const SessionQueueStates_v[] = { "None", "Queued", "Ringing", "Connected", "Hold", "Disconnected" };
ENUM(SessionQueueStates, NS_SESSIONS);
static const char *const SessionHoldReasons_v[] = { "None", "Transferring" };
ENUM(SessionHoldReasons, NS_SESSIONS);
static const char *const SessionMemberCallState_v[] = { "None", "Ringing", "Connected", "Hold" };
ENUM(SessionMemberCallState, NS_SESSIONS);
static const char *const SessionMemberRoles_v[] = { "None", "Caller", "Agent", "Transfer" };
ENUM(SessionMemberRoles, NS_SESSIONS);

static field_t SessionLogInfo_f[] = {
    FLD("Date", T_string, 0, "When it happened"),
    FLD("Message", T_string, 0, "What happened"),
};
OBJ(SessionLogInfo, "SessionLogInfo", NS_SESSIONS, NULL, NULL);

/* Not published by the original (FLOWS.md 4.1): the members' fields are ours. */
static field_t SessionMemberInfo_f[] = {
    FLD("Id", T_string, 0, NULL),
    FLD("Role", T_SessionMemberRoles, 0, NULL),
    FLD("CallState", T_SessionMemberCallState, 0, NULL),
    FLD("CallSid", T_string, 0, NULL),
    FLD("Address", T_string, 0, NULL),
    FLD("UserId", T_string, 0, NULL),
    FLD("Name", T_string, 0, NULL),
};
OBJ(SessionMemberInfo, "SessionMemberInfo", NS_SESSIONS, NULL, NULL);

static field_t SessionInfo_f[] = {
    FLD("DialState", T_SessionDialState, 0, NULL),
    FLD("CallState", T_SessionCallState, 0, NULL),
    FLD("QueueState", T_SessionQueueStates, 0, NULL),
    FLD("AccountId", T_string, 0, "The ID of the account associated with this session"),
    FLD("AccountName", T_string, 0, "The name of the account associated with this session"),
    FLD("CustomerId", T_string, 0, "The ID of the customer associated with this session"),
    FLD("CustomerBreadcrumb", T_CustomerBreadcrumb, F_LIST, "The breadcrumb to the customer for this session"),
    FLD("CustomerName", T_string, 0, "The name of the customer associated with this session"),
    FLD("EndpointId", T_string, 0, "The ID of the endpoint associated with this session"),
    FLD("EndpointName", T_string, 0, "The name of the endpoint associated with this session"),
    FLD("DateCompleted", T_string, 0, "The date the session was completed"),
    FLD("Destination", T_string, 0, "What was typed into the dial box"),
    FLD("ToAddress", T_string, 0, "The to address for this session"),
    FLD("FromAddress", T_string, 0, "The from address for this session"),
    FLD("FromName", T_string, 0, "The from name for this session"),
    FLD("AnsweredByName", T_string, 0, "Who answered the call"),
    FLD("QueueMemberId", T_string, 0, NULL),
    FLD("Channel", T_FlowChannels, 0, "The channel of this session"),
    FLD("Ended", T_bool, 0, "Has this session ended"),
    FLD("Outcome", T_string, 0, "The outcome of the session"),
    FLD("CallSid", T_string, 0, "The carrier's call SID"),
    FLD("ConsoleData", T_string, 0, NULL),
    FLD("HoldQueueName", T_string, 0, NULL),
    FLD("HeldByUserId", T_string, 0, NULL),
    FLD("HoldReason", T_SessionHoldReasons, 0, NULL),
    FLD("ConferenceSid", T_string, 0, NULL),
    FLD("Log", T_SessionLogInfo, F_LIST, "The log of this session (lists only)"),
    FLD("WasMissed", T_bool, 0, "The call ended without being answered"),
    FLD("Direction", T_string, 0, "Incoming or Outgoing"),
    FLD("Members", T_SessionMemberInfo, F_LIST, NULL),
    FLD("ParentSessionId", T_string, 0, "The session this one is a leg of"),
};
OBJ(SessionInfo, "SessionInfo", NS_SESSIONS, &T_EntityInfo, NULL);

static field_t ListSessions_f[] = {
    FLD("AccountIds", T_string, F_LIST, "The IDs of the accounts whose sessions you want"),
    FLD("SearchArchive", T_bool, 0, "Also search sessions older than 15 days"),
    FLD("StartDate", T_string, 0, "The first day (yyyy-MM-dd, UTC) of sessions to get"),
    FLD("EndDate", T_string, 0, "The last day (yyyy-MM-dd, UTC) of sessions to get"),
    FLD("CustomerIds", T_string, F_LIST, "The IDs of the customers whose sessions you want"),
    FLD("EndpointIds", T_string, F_LIST, "The IDs of the endpoints whose sessions you want"),
    FLD("From", T_string, 0, "Only sessions whose from address contains this"),
    FLD("To", T_string, 0, "Only sessions whose to address contains this"),
    FLD("Log", T_string, 0, "Only sessions with this text in a log line"),
    FLD("ParentSessionId", T_string, 0, "Only the legs of this session"),
};
OBJ(ListSessions, "ListSessions", NS_SESSIONS, &T_ListRequest, NULL);

static field_t GetSession_f[] = {
    FLD("SessionId", T_string, 0, "The ID of the session you want to get"),
};
OBJ(GetSession, "GetSession", NS_SESSIONS, NULL, NULL);

static field_t DeleteSessions_f[] = {
    FLD("AccountId", T_string, 0, "The account whose sessions to delete"),
    FLD("StartDateTime", T_string, 0, "Delete sessions created at or after this (ISO 8601)"),
    FLD("EndDateTime", T_string, 0, "Delete sessions created before this (ISO 8601)"),
};
OBJ(DeleteSessions, "DeleteSessions", NS_SESSIONS, NULL, "Delete an account's sessions in a date range");

static field_t PatchSession_f[] = {
    FLD("SessionId", T_string, 0, "The ID of the session you want to update"),
    FLD("ConsoleData", T_string, 0, "Data the console keeps with the session (empty clears it)"),
    FLD("CallState", T_SessionCallState, F_NULLABLE, "The new call state"),
    FLD("HoldReason", T_SessionHoldReasons, F_NULLABLE, "Why the call is held"),
    FLD("QueueState", T_SessionQueueStates, F_NULLABLE, "The new queue state"),
};
OBJ(PatchSession, "PatchSession", NS_SESSIONS, NULL, "Update a session");

static field_t EndSession_f[] = {
    FLD("SessionId", T_string, 0, "The ID of the session to end"),
    FLD("CallSid", T_string, 0, "The call to hang up (the session's or a member's); default the session's"),
};
OBJ(EndSession, "EndSession", NS_SESSIONS, NULL, "End a session, hanging up its call");

static field_t AddSessionLog_f[] = {
    FLD("SessionId", T_string, 0, "The ID of the session"),
    FLD("Message", T_string, 0, "The line to add to the session's log (at most 1000 characters)"),
};
OBJ(AddSessionLog, "AddSessionLog", NS_SESSIONS, NULL, "Add a line to a session's log");

static const char *const FileTypes_v[] = {
    "Upload", "VoiceMessage", "CallRecording", "Fax", "Attachment", "FaxOutgoing", "LiveAnswerRecording",
};
ENUM(FileTypes, NS_FILES);

static field_t FileInfo_f[] = {
    FLD("Type", T_FileTypes, 0, "The type of file"),
    FLD("AccountId", T_string, 0, "The ID of the account this file belongs to"),
    FLD("AccountName", T_string, 0, "The name of the account this file belongs to"),
    FLD("CustomerId", T_string, 0, "The ID of the customer this file belongs to"),
    FLD("CustomerName", T_string, 0, "The name of the customer this file belongs to"),
    FLD("CustomerBreadcrumb", T_CustomerBreadcrumb, F_LIST, "The breadcrumb to the customer for this file"),
    FLD("UserId", T_string, 0, "The ID of the user this file is for"),
    FLD("UserName", T_string, 0, "The name of the user this file is for"),
    FLD("FileName", T_string, 0, "The original file name"),
    FLD("Uri", T_string, 0, "The URI of the file"),
    FLD("ContentType", T_string, 0, "The MIME type of the file"),
    FLD("ContentLength", T_long, 0, "The size of the file in bytes"),
    FLD("RecordingSid", T_string, 0, "The carrier's recording SID"),
    FLD("RecordingDuration", T_int, 0, "The length of the recording in seconds"),
    FLD("RecordingFrom", T_string, 0, "Who the recording is from"),
    FLD("Transcription", T_string, 0, "The transcription of the recording"),
    FLD("FromAddress", T_string, 0, NULL),
    FLD("ToAddress", T_string, 0, NULL),
    FLD("AiTranscription", T_string, 0, NULL),
};
OBJ(FileInfo, "FileInfo", NS_FILES, &T_EntityInfo, NULL);

static field_t ListFiles_f[] = {
    FLD("AccountIds", T_string, F_LIST, "The IDs of the accounts whose files you want"),
    FLD("CustomerIds", T_string, F_LIST, "The IDs of the customers whose files you want"),
    FLD("SessionId", T_string, 0, "Only the files of this session"),
    FLD("FileName", T_string, 0, "Only files whose name contains this"),
    FLD("ContentType", T_string, 0, "Only files whose content type contains this"),
    FLD("Type", T_FileTypes, F_NULLABLE, "Only files of this type"),
    FLD("DateCreatedStart", T_string, 0, "Only files created on or after this date"),
    FLD("DateCreatedEnd", T_string, 0, "Only files created on or before this date"),
    FLD("UserId", T_string, 0, "Only files of this user"),
    FLD("TranscriptionContains", T_string, 0, "Only files whose transcription contains this"),
};
OBJ(ListFiles, "ListFiles", NS_FILES, &T_ListRequest, NULL);

static field_t GetFile_f[] = {
    FLD("FileId", T_string, 0, "The ID of the file you want"),
};
OBJ(GetFile, "GetFile", NS_FILES, NULL, NULL);

static field_t DeleteFile_f[] = {
    FLD("FileId", T_string, 0, "The ID of the file to delete"),
};
OBJ(DeleteFile, "DeleteFile", NS_FILES, NULL, NULL);

LISTRESP(SessionInfo);
LISTRESP(FileInfo);

/* ===================================================================== Voice.Api.Logs
 * The audit log: our own operation (the original publishes none); see the README. */
#define NS_LOGS "Voice.Api.Logs"

static field_t LogEntryChange_f[] = {
    FLD("Field", T_string, 0, "The field that changed (a member of an object as object.member)"),
    FLD("OldValue", T_string, 0, "Its value before (text; JSON for anything but text; *** for a secret); none when it was added"),
    FLD("NewValue", T_string, 0, "Its value after (as OldValue); none when it was removed"),
};
OBJ(LogEntryChange, "LogEntryChange", NS_LOGS, NULL, NULL);

static field_t LogEntryInfo_f[] = {
    FLD("Id", T_string, 0, "The ID of the entry"),
    FLD("Date", T_string, 0, "When the change was made (UTC)"),
    FLD("UserId", T_string, 0, "The ID of the user who made it"),
    FLD("UserName", T_string, 0, "The name of the user who made it"),
    FLD("Operation", T_string, 0, "The operation that made it (PatchCustomer, ...)"),
    FLD("EntityType", T_string, 0, "The kind of thing changed: Account, Customer, Endpoint, User, SystemSettings, Flow, Session, File"),
    FLD("EntityId", T_string, 0, "The ID of the thing changed"),
    FLD("AccountId", T_string, 0, "The account of the thing changed"),
    FLD("CustomerId", T_string, 0, "The customer of the thing changed, if any"),
    FLD("Changes", T_LogEntryChange, F_LIST, "The fields changed: every field for a creation or a deletion"),
};
OBJ(LogEntryInfo, "LogEntryInfo", NS_LOGS, NULL, NULL);

static field_t ListLogEntries_f[] = {
    FLD("AccountIds", T_string, F_LIST, "Only the entries of these accounts"),
    FLD("CustomerIds", T_string, F_LIST, "Only the entries of these customers"),
    FLD("EntityType", T_string, 0, "Only the entries of this kind of thing (Account, Customer, ...)"),
    FLD("EntityId", T_string, 0, "Only the entries of this thing"),
    FLD("UserId", T_string, 0, "Only the changes this user made"),
    FLD("StartDate", T_string, 0, "Only changes made on or after this (yyyy-MM-dd or ISO 8601, UTC)"),
    FLD("EndDate", T_string, 0, "Only changes made on or before this (a date: that whole day)"),
};
OBJ(ListLogEntries, "ListLogEntries", NS_LOGS, &T_ListRequest, NULL);

LISTRESP(LogEntryInfo);

/* ===================================================================== registry */

const type_t *const schema_types[] = {
    /* Voice.Api */
    &T_EntityInfo, &T_SortOrders, &T_ListRequest, &T_EmptyResponse,
    &T_ListResponse_AccountInfo, &T_ListResponse_CustomerInfo, &T_ListResponse_EndpointInfo,
    &T_ListResponse_UserInfo, &T_ListResponse_PhoneNumberInfo,
    /* Voice.Api.Flows.Data, Voice.Api.Integrations */
    &T_Struct, &T_Value, &T_EntityIntegrationData, &T_IntegrationData,
    /* ServiceStack, System */
    &T_ResponseError, &T_ResponseStatus, &T_ErrorResponse, &T_Authenticate,
    &T_AuthenticateResponse, &T_DayOfWeek,
    /* Voice.Api.Scheduling */
    &T_Schedule, &T_SchedulingRule, &T_ScheduleDay, &T_ScheduledFlow,
    &T_SimpleSchedulingRuleTypes, &T_SchedulingRuleFrequency,
    /* Voice.Api.Settings */
    &T_Tag, &T_TagColors, &T_AppSettings, &T_DataField, &T_DataFieldTypes,
    &T_SystemSettingsInfo, &T_GetSystemSettings, &T_PatchSystemSettings,
    /* Voice.Api.Accounts */
    &T_BillingItem, &T_BillingSettings, &T_AccountInfo, &T_ListAccounts, &T_GetAccount,
    &T_NewAccount, &T_PatchAccount, &T_DeleteAccount, &T_CheckAccount, &T_AccountCheck,
    /* Voice.Api.Customers */
    &T_CustomerBreadcrumb, &T_CustomerInfo, &T_ListCustomers, &T_GetCustomer, &T_NewCustomer,
    &T_PatchCustomer, &T_DeleteCustomer, &T_SetCustomerStagingMode, &T_GetInheritedSchedule,
    &T_TestSchedule, &T_TestScheduleResponse,
    /* Voice.Api.Endpoints: enums */
    &T_EndpointTypes, &T_EndpointFlowSchedules, &T_TwilioSipRegions, &T_AgentStates,
    &T_AgentStateReasons, &T_UserModes, &T_UserManagerRoles, &T_UserManagerAccess,
    &T_DashboardPermissions, &T_UserDataFieldModes, &T_ActionUrlHttpMethods,
    &T_CustomerVisibility, &T_ThirdPartyPhoneSystemTypes, &T_TransportTypes,
    &T_AudioCodecTypes, &T_DtmfMethods, &T_AssistantTunings, &T_AssistantTransferTypes,
    /* Voice.Api.Endpoints: objects */
    &T_EndpointActionUrl, &T_EndpointContact, &T_ThirdPartyPhoneSystemSettings,
    &T_ThirdPartySipSettings, &T_ThirdPartySipAccountSettings, &T_ThirdPartyDemoSettings,
    &T_AssistantSettings, &T_AssistantWord, &T_AssistantLink, &T_AssistantContact,
    &T_AssistantTakeMessageField, &T_AssistantIntegration, &T_EmbedSettings, &T_EndpointInfo,
    &T_PhoneNumberInfo, &T_ListEndpoints, &T_GetEndpoint, &T_PatchEndpoint, &T_DeleteEndpoint,
    &T_SearchPhoneNumbers, &T_BuyPhoneNumber, &T_SetPhoneNumberIsFax, &T_SyncPhoneNumbers, &T_CarrierPhoneNumber,
    &T_MissingPhoneNumber, &T_SyncPhoneNumbersResponse, &T_GetEndpointDuplicates,
    &T_EndpointDuplicate, &T_GetEndpointDuplicatesResponse,
    &T_NewUserEndpoint, &T_NewTeamEndpoint, &T_NewEmailEndpoint, &T_NewAssistantEndpoint, &T_RegenerateSipPassword,
    /* Voice.Api.Authentication */
    &T_UserInfo, &T_GetAuthStatus, &T_ListUsers, &T_NewUser, &T_PatchUser, &T_DeleteUser,
    /* Voice.Api.Flows */
    &T_FlowRoles, &T_FlowNodeCategories, &T_ValueTypes, &T_UIHints, &T_FlowChannels, &T_ValueSources,
    &T_FlowUI, &T_FlowDataType, &T_FlowParameter, &T_FlowExit, &T_NodeParameterSpec, &T_FlowNodeSpec,
    &T_NodeParameterMap, &T_NodeParameter, &T_FlowNode, &T_FlowInfo, &T_ListFlows, &T_GetFlow, &T_NewFlow,
    &T_PatchFlow, &T_DeleteFlow, &T_CopyFlow, &T_ListAvailableNodes, &T_GetParameterFieldNames,
    &T_ParameterFieldInfo, &T_GetParameterFieldNamesResponse, &T_PackageInfo, &T_ExportPackage,
    &T_ImportPackage, &T_ImportPackageResponse, &T_ListResponse_FlowInfo, &T_ListResponse_FlowNodeSpec,
    /* Voice.Api.Sessions, Voice.Api.Files */
    &T_SessionDialState, &T_SessionCallState, &T_SessionQueueStates, &T_SessionHoldReasons,
    &T_SessionMemberCallState, &T_SessionMemberRoles, &T_SessionLogInfo, &T_SessionMemberInfo, &T_SessionInfo,
    &T_ListSessions, &T_GetSession, &T_DeleteSessions, &T_PatchSession, &T_EndSession, &T_AddSessionLog,
    &T_FileTypes, &T_FileInfo, &T_ListFiles, &T_GetFile,
    &T_DeleteFile, &T_ListResponse_SessionInfo, &T_ListResponse_FileInfo,
    /* Voice.Api.Logs */
    &T_LogEntryChange, &T_LogEntryInfo, &T_ListLogEntries, &T_ListResponse_LogEntryInfo,
};
const int schema_ntypes = N(schema_types);
