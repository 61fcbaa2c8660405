package dev.chatd.client.protocol

/** The error codes of docs/protocol.md section 7; [UNKNOWN] for codes added after this client. */
enum class ErrorCode(val wire: String, val retryable: Boolean = false) {
    BAD_JSON("bad_json"),
    NOT_OBJECT("not_object"),
    UNKNOWN_TYPE("unknown_type"),
    MISSING_FIELD("missing_field"),
    BAD_FIELD("bad_field"),
    FRAME_TOO_LARGE("frame_too_large"),
    BODY_TOO_LONG("body_too_long"),
    EMPTY_BODY("empty_body"),
    INVALID_UTF8("invalid_utf8"),
    TOO_DEEP("too_deep"),
    NUMBER_OUT_OF_RANGE("number_out_of_range"),
    UNSUPPORTED_VERSION("unsupported_version"),
    NOT_AUTHENTICATED("not_authenticated"),
    ALREADY_AUTHENTICATED("already_authenticated"),
    NOT_MEMBER("not_member"),
    NOT_FOUND("not_found"),
    FORBIDDEN("forbidden"),
    TOO_MANY_MEMBERS("too_many_members"),
    INVALID_USERNAME("invalid_username"),
    RATE_LIMITED("rate_limited", retryable = true),
    TOO_MANY_CONNECTIONS("too_many_connections", retryable = true),
    UNAVAILABLE("unavailable", retryable = true),
    INTERNAL("internal", retryable = true),
    /** Not in this client's table: not retryable, as the protocol says. */
    UNKNOWN("");

    companion object {
        private val byWire = entries.associateBy { it.wire }
        fun fromWire(code: String): ErrorCode = byWire[code]?.takeIf { it != UNKNOWN } ?: UNKNOWN
    }
}
