"""The provincial unified identity platform (统一身份认证): real-name verification over OAuth2 + PKCE."""
