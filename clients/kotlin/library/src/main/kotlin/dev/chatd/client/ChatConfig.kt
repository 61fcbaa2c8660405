package dev.chatd.client

import okhttp3.OkHttpClient
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/** Everything a [ChatClient] is told at construction. The defaults follow docs/protocol.md. */
data class ChatConfig(
    /** The chatd HTTP base URL, e.g. `https://chat.example.org/`; the socket is `<base>/ws`. */
    val baseUrl: String,
    val credentials: Credentials,
    val store: ChatStore = MemoryStore(),
    val http: OkHttpClient = ChatAuth.defaultHttpClient,
    val requestTimeout: Duration = 10.seconds,
    /** Longest wait for `welcome` after the upgrade. */
    val helloTimeout: Duration = 10.seconds,
    val backoff: Backoff = Backoff(),
    /** A connection up this long resets the backoff attempt counter. */
    val stableAfter: Duration = 60.seconds,
    /** Send `ping` after this long without any frame from the server ... */
    val idlePing: Duration = 30.seconds,
    /** ... and drop the connection when its `pong` takes longer than this. */
    val pongTimeout: Duration = 10.seconds,
    /** An outbox message unacked this long on a live connection is sent again (same id). */
    val resendAfter: Duration = 15.seconds,
    /** Least wait after close 4029 (too many connections for this user). */
    val tooManyConnectionsDelay: Duration = 30.seconds,
    /** Least wait after close 1008 (the server saw the rate limit ignored). */
    val policyViolationDelay: Duration = 60.seconds,
    /** Requests per second the client allows itself (the server allows 20, bursts of 40). */
    val requestsPerSecond: Double = 16.0,
    val requestBurst: Double = 30.0,
    /** One line per connection event, for the app's log. Never sees tokens or message bodies. */
    val log: (String) -> Unit = {},
)
