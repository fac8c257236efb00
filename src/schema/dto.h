/* dto.h — the type descriptors of every DTO and enum of the Evo Voice API.
 *
 * Each T_<Name> below is static data (defined in dto.c) describing one .NET type of the
 * original ServiceStack API: request DTOs (named after their operation), response DTOs,
 * nested types, enums and maps.  Field names, order, types and descriptions follow the
 * published metadata pages (shared/seeds); see schema.h for the descriptor layout.
 * Every named type here is also listed in schema_types[]. */
#ifndef DTO_H
#define DTO_H

#include "schema.h"

/* ---- Voice.Api: common shapes ---- */
extern const type_t T_EntityInfo;
extern const type_t T_SortOrders;
extern const type_t T_ListRequest;
extern const type_t T_EmptyResponse;
extern const type_t T_ListResponse_AccountInfo;
extern const type_t T_ListResponse_CustomerInfo;
extern const type_t T_ListResponse_EndpointInfo;
extern const type_t T_ListResponse_UserInfo;
extern const type_t T_ListResponse_PhoneNumberInfo;

/* ---- Voice.Api.Flows.Data ---- */
extern const type_t T_Struct; /* Dictionary<string, Value> */
extern const type_t T_Value;

/* ---- Voice.Api.Integrations ---- */
extern const type_t T_EntityIntegrationData; /* Dictionary<string, IntegrationData> */
extern const type_t T_IntegrationData;       /* { ThirdPartyId } */
#define T_ThirdPartyId T_IntegrationData    /* alias: the map's element type */

/* ---- ServiceStack ---- */
extern const type_t T_ResponseError;
extern const type_t T_ResponseStatus;
extern const type_t T_ErrorResponse;
extern const type_t T_Authenticate;
extern const type_t T_AuthenticateResponse;

/* ---- System ---- */
extern const type_t T_DayOfWeek;

/* ---- Voice.Api.Scheduling ---- */
extern const type_t T_Schedule;
extern const type_t T_SchedulingRule;
extern const type_t T_ScheduleDay;
extern const type_t T_ScheduledFlow;
extern const type_t T_SimpleSchedulingRuleTypes;
extern const type_t T_SchedulingRuleFrequency;

/* ---- Voice.Api.Settings ---- */
extern const type_t T_Tag;
extern const type_t T_TagColors;
extern const type_t T_AppSettings;
extern const type_t T_DataField;
extern const type_t T_DataFieldTypes;
extern const type_t T_SystemSettingsInfo;
extern const type_t T_GetSystemSettings;
extern const type_t T_PatchSystemSettings;

/* ---- Voice.Api.Accounts ---- */
extern const type_t T_BillingItem;
extern const type_t T_BillingSettings;
extern const type_t T_AccountInfo;
extern const type_t T_ListAccounts;
extern const type_t T_GetAccount;
extern const type_t T_NewAccount;
extern const type_t T_PatchAccount;
extern const type_t T_DeleteAccount;
extern const type_t T_CheckAccount, T_AccountCheck;

/* ---- Voice.Api.Customers ---- */
extern const type_t T_CustomerBreadcrumb;
extern const type_t T_CustomerInfo;
extern const type_t T_ListCustomers;
extern const type_t T_GetCustomer;
extern const type_t T_NewCustomer;
extern const type_t T_PatchCustomer;
extern const type_t T_DeleteCustomer;
extern const type_t T_SetCustomerStagingMode;
extern const type_t T_GetInheritedSchedule;
extern const type_t T_TestSchedule;
extern const type_t T_TestScheduleResponse;

/* ---- Voice.Api.Endpoints: enums ---- */
extern const type_t T_EndpointTypes;
extern const type_t T_EndpointFlowSchedules;
extern const type_t T_TwilioSipRegions;
extern const type_t T_AgentStates;
extern const type_t T_AgentStateReasons;
extern const type_t T_UserModes;
extern const type_t T_UserManagerRoles;
extern const type_t T_UserManagerAccess;
extern const type_t T_DashboardPermissions;
extern const type_t T_UserDataFieldModes;
extern const type_t T_ActionUrlHttpMethods;
extern const type_t T_CustomerVisibility;
extern const type_t T_ThirdPartyPhoneSystemTypes;
extern const type_t T_TransportTypes;
extern const type_t T_AudioCodecTypes;
extern const type_t T_DtmfMethods;
extern const type_t T_AssistantTunings;
extern const type_t T_AssistantTransferTypes;

/* ---- Voice.Api.Endpoints: objects ---- */
extern const type_t T_EndpointActionUrl;
extern const type_t T_EndpointContact;
extern const type_t T_ThirdPartyPhoneSystemSettings;
extern const type_t T_ThirdPartySipSettings;
extern const type_t T_ThirdPartySipAccountSettings;
extern const type_t T_ThirdPartyDemoSettings;
extern const type_t T_AssistantSettings;
extern const type_t T_AssistantWord;
extern const type_t T_AssistantLink;
extern const type_t T_AssistantContact;
extern const type_t T_AssistantTakeMessageField;
extern const type_t T_AssistantIntegration;
extern const type_t T_EmbedSettings;
extern const type_t T_EndpointInfo;
extern const type_t T_PhoneNumberInfo;
extern const type_t T_ListEndpoints;
extern const type_t T_GetEndpoint;
extern const type_t T_PatchEndpoint;
extern const type_t T_DeleteEndpoint;
extern const type_t T_SearchPhoneNumbers;
extern const type_t T_BuyPhoneNumber;
extern const type_t T_SetPhoneNumberIsFax;
extern const type_t T_SyncPhoneNumbers, T_CarrierPhoneNumber, T_MissingPhoneNumber, T_SyncPhoneNumbersResponse;
extern const type_t T_GetEndpointDuplicates, T_EndpointDuplicate, T_GetEndpointDuplicatesResponse;
extern const type_t T_NewUserEndpoint;
extern const type_t T_NewTeamEndpoint;
extern const type_t T_NewEmailEndpoint;
extern const type_t T_NewAssistantEndpoint;
extern const type_t T_RegenerateSipPassword;

/* ---- Voice.Api.Authentication ---- */
extern const type_t T_UserInfo;
extern const type_t T_GetAuthStatus;
extern const type_t T_ListUsers;
extern const type_t T_NewUser;
extern const type_t T_PatchUser;
extern const type_t T_DeleteUser;

/* ---- Voice.Api.Flows ---- */
extern const type_t T_FlowRoles;
extern const type_t T_FlowNodeCategories;
extern const type_t T_ValueTypes;
extern const type_t T_UIHints;
extern const type_t T_FlowChannels;
extern const type_t T_ValueSources;
extern const type_t T_FlowUI;
extern const type_t T_FlowDataType;
extern const type_t T_FlowParameter;
extern const type_t T_FlowExit;
extern const type_t T_NodeParameterSpec;
extern const type_t T_FlowNodeSpec;
extern const type_t T_NodeParameterMap;
extern const type_t T_NodeParameter;
extern const type_t T_FlowNode;
extern const type_t T_FlowInfo;
extern const type_t T_ListFlows;
extern const type_t T_GetFlow;
extern const type_t T_NewFlow;
extern const type_t T_PatchFlow;
extern const type_t T_DeleteFlow;
extern const type_t T_CopyFlow;
extern const type_t T_ListAvailableNodes;
extern const type_t T_GetParameterFieldNames;
extern const type_t T_ParameterFieldInfo;
extern const type_t T_GetParameterFieldNamesResponse;
extern const type_t T_PackageInfo;
extern const type_t T_ExportPackage;
extern const type_t T_ImportPackage;
extern const type_t T_ImportPackageResponse;
extern const type_t T_ListResponse_FlowInfo;
extern const type_t T_ListResponse_FlowNodeSpec;
/* ---- Voice.Api.Sessions, Voice.Api.Files ---- */
extern const type_t T_SessionDialState, T_SessionCallState, T_SessionQueueStates, T_SessionHoldReasons;
extern const type_t T_SessionMemberCallState, T_SessionMemberRoles, T_SessionLogInfo, T_SessionMemberInfo;
extern const type_t T_SessionInfo, T_ListSessions, T_GetSession, T_DeleteSessions, T_PatchSession, T_EndSession,
    T_AddSessionLog;
extern const type_t T_FileTypes, T_FileInfo, T_ListFiles, T_GetFile, T_DeleteFile;
extern const type_t T_ListResponse_SessionInfo, T_ListResponse_FileInfo;
/* ---- Voice.Api.Logs: the audit log ---- */
extern const type_t T_LogEntryChange, T_LogEntryInfo, T_ListLogEntries, T_ListResponse_LogEntryInfo;

#endif
