-- API tokens may expire, and record when they were last used (unix seconds;
-- NULL = never expires / never used). Existing tokens keep no expiry.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
