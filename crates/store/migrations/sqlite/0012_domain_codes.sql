-- The core stores its own codes for sign-in flows and challenge kinds, no longer Cognito's names
-- (which the Cognito door now gives them on the wire): app clients' explicit auth flows inside
-- their settings, and pending challenges' kinds.
UPDATE clients SET settings =
    replace(replace(replace(replace(replace(replace(settings,
        '"ALLOW_USER_PASSWORD_AUTH"', '"user_password"'),
        '"ALLOW_ADMIN_USER_PASSWORD_AUTH"', '"admin_user_password"'),
        '"ALLOW_REFRESH_TOKEN_AUTH"', '"refresh_token"'),
        '"ALLOW_USER_SRP_AUTH"', '"user_srp"'),
        '"ALLOW_CUSTOM_AUTH"', '"custom"'),
        '"ALLOW_USER_AUTH"', '"user_auth"');
UPDATE challenges SET kind = CASE kind
    WHEN 'NEW_PASSWORD_REQUIRED' THEN 'new_password_required'
    WHEN 'SOFTWARE_TOKEN_MFA' THEN 'software_token_mfa'
    WHEN 'MFA_SETUP' THEN 'mfa_setup'
    ELSE kind
END;
