//! The operation table: each operation's name, whether it must be SigV4-signed, and its handler.

mod admin_users;
mod auth;
mod client_settings;
mod clients;
mod groups;
pub mod identity;
mod mfa;
mod password;
mod pools;
mod resource_servers;
mod signup;
mod tokens;
mod user_attributes;

use serde_json::Value;

use crate::ctx::Ctx;
use crate::error::DoorResult;
use crate::wire::Input;

/// `Some(signed)` for an operation this door serves, `None` otherwise.
pub fn requires_signature(op: &str) -> Option<bool> {
    Some(match op {
        "InitiateAuth"
        | "RespondToAuthChallenge"
        | "ChangePassword"
        | "ForgotPassword"
        | "ConfirmForgotPassword"
        | "RevokeToken"
        | "GlobalSignOut"
        | "GetUser"
        | "SignUp"
        | "ConfirmSignUp"
        | "ResendConfirmationCode"
        | "AssociateSoftwareToken"
        | "VerifySoftwareToken"
        | "SetUserMFAPreference"
        | "UpdateUserAttributes"
        | "DeleteUserAttributes"
        | "GetUserAttributeVerificationCode"
        | "VerifyUserAttribute"
        | "DeleteUser"
        | "GetTokensFromRefreshToken" => false,
        "CreateUserPool"
        | "DescribeUserPool"
        | "ListUserPools"
        | "DeleteUserPool"
        | "UpdateUserPool"
        | "SetUserPoolMfaConfig"
        | "GetUserPoolMfaConfig"
        | "CreateUserPoolClient"
        | "DescribeUserPoolClient"
        | "ListUserPoolClients"
        | "UpdateUserPoolClient"
        | "DeleteUserPoolClient"
        | "CreateResourceServer"
        | "DescribeResourceServer"
        | "ListResourceServers"
        | "UpdateResourceServer"
        | "DeleteResourceServer"
        | "AdminCreateUser"
        | "AdminSetUserPassword"
        | "AdminGetUser"
        | "AdminDeleteUser"
        | "AdminDisableUser"
        | "AdminEnableUser"
        | "AdminInitiateAuth"
        | "AdminRespondToAuthChallenge"
        | "AdminUserGlobalSignOut"
        | "AdminResetUserPassword"
        | "AdminUpdateUserAttributes"
        | "AdminDeleteUserAttributes"
        | "AdminConfirmSignUp"
        | "ListUsers"
        | "CreateGroup"
        | "GetGroup"
        | "ListGroups"
        | "UpdateGroup"
        | "DeleteGroup"
        | "AdminAddUserToGroup"
        | "AdminRemoveUserFromGroup"
        | "AdminListGroupsForUser"
        | "ListUsersInGroup" => true,
        _ => return None,
    })
}

pub async fn call(ctx: &Ctx<'_>, op: &str, input: &Input) -> DoorResult<Value> {
    match op {
        "InitiateAuth" => auth::initiate_auth(ctx, input).await,
        "AdminInitiateAuth" => auth::admin_initiate_auth(ctx, input).await,
        "RespondToAuthChallenge" => auth::respond_to_auth_challenge(ctx, input).await,
        "AdminRespondToAuthChallenge" => auth::admin_respond_to_auth_challenge(ctx, input).await,
        "ChangePassword" => password::change_password(ctx, input).await,
        "ForgotPassword" => password::forgot_password(ctx, input).await,
        "ConfirmForgotPassword" => password::confirm_forgot_password(ctx, input).await,
        "RevokeToken" => tokens::revoke_token(ctx, input).await,
        "GlobalSignOut" => tokens::global_sign_out(ctx, input).await,
        "AdminUserGlobalSignOut" => tokens::admin_user_global_sign_out(ctx, input).await,
        "GetUser" => tokens::get_user(ctx, input).await,
        "SignUp" => signup::sign_up(ctx, input).await,
        "ConfirmSignUp" => signup::confirm_sign_up(ctx, input).await,
        "ResendConfirmationCode" => signup::resend_confirmation_code(ctx, input).await,
        "AssociateSoftwareToken" => mfa::associate_software_token(ctx, input).await,
        "VerifySoftwareToken" => mfa::verify_software_token(ctx, input).await,
        "SetUserMFAPreference" => mfa::set_user_mfa_preference(ctx, input).await,
        "CreateUserPool" => pools::create_user_pool(ctx, input).await,
        "DescribeUserPool" => pools::describe_user_pool(ctx, input).await,
        "ListUserPools" => pools::list_user_pools(ctx, input).await,
        "DeleteUserPool" => pools::delete_user_pool(ctx, input).await,
        "UpdateUserPool" => pools::update_user_pool(ctx, input).await,
        "SetUserPoolMfaConfig" => pools::set_user_pool_mfa_config(ctx, input).await,
        "GetUserPoolMfaConfig" => pools::get_user_pool_mfa_config(ctx, input).await,
        "CreateUserPoolClient" => clients::create_user_pool_client(ctx, input).await,
        "DescribeUserPoolClient" => clients::describe_user_pool_client(ctx, input).await,
        "ListUserPoolClients" => clients::list_user_pool_clients(ctx, input).await,
        "UpdateUserPoolClient" => clients::update_user_pool_client(ctx, input).await,
        "DeleteUserPoolClient" => clients::delete_user_pool_client(ctx, input).await,
        "CreateResourceServer" => resource_servers::create_resource_server(ctx, input).await,
        "DescribeResourceServer" => resource_servers::describe_resource_server(ctx, input).await,
        "ListResourceServers" => resource_servers::list_resource_servers(ctx, input).await,
        "UpdateResourceServer" => resource_servers::update_resource_server(ctx, input).await,
        "DeleteResourceServer" => resource_servers::delete_resource_server(ctx, input).await,
        "AdminCreateUser" => admin_users::admin_create_user(ctx, input).await,
        "AdminUpdateUserAttributes" => user_attributes::admin_update_user_attributes(ctx, input).await,
        "AdminDeleteUserAttributes" => user_attributes::admin_delete_user_attributes(ctx, input).await,
        "AdminConfirmSignUp" => user_attributes::admin_confirm_sign_up(ctx, input).await,
        "UpdateUserAttributes" => user_attributes::update_user_attributes(ctx, input).await,
        "DeleteUserAttributes" => user_attributes::delete_user_attributes(ctx, input).await,
        "GetUserAttributeVerificationCode" => user_attributes::get_user_attribute_verification_code(ctx, input).await,
        "VerifyUserAttribute" => user_attributes::verify_user_attribute(ctx, input).await,
        "DeleteUser" => user_attributes::delete_user(ctx, input).await,
        "GetTokensFromRefreshToken" => tokens::get_tokens_from_refresh_token(ctx, input).await,
        "AdminSetUserPassword" => admin_users::admin_set_user_password(ctx, input).await,
        "AdminGetUser" => admin_users::admin_get_user(ctx, input).await,
        "AdminDeleteUser" => admin_users::admin_delete_user(ctx, input).await,
        "AdminDisableUser" => admin_users::admin_set_enabled(ctx, input, false).await,
        "AdminEnableUser" => admin_users::admin_set_enabled(ctx, input, true).await,
        "AdminResetUserPassword" => admin_users::admin_reset_user_password(ctx, input).await,
        "ListUsers" => admin_users::list_users(ctx, input).await,
        "CreateGroup" => groups::create_group(ctx, input).await,
        "GetGroup" => groups::get_group(ctx, input).await,
        "ListGroups" => groups::list_groups(ctx, input).await,
        "UpdateGroup" => groups::update_group(ctx, input).await,
        "DeleteGroup" => groups::delete_group(ctx, input).await,
        "AdminAddUserToGroup" => groups::admin_add_user_to_group(ctx, input).await,
        "AdminRemoveUserFromGroup" => groups::admin_remove_user_from_group(ctx, input).await,
        "AdminListGroupsForUser" => groups::admin_list_groups_for_user(ctx, input).await,
        "ListUsersInGroup" => groups::list_users_in_group(ctx, input).await,
        other => Err(crate::error::DoorError::UnknownOperation(format!("Unknown operation {other}"))),
    }
}
