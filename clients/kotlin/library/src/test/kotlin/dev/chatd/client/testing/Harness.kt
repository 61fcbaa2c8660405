package dev.chatd.client.testing

import dev.chatd.client.ChatAuth
import dev.chatd.client.ChatClient
import dev.chatd.client.ChatConfig
import dev.chatd.client.ChatEvent
import dev.chatd.client.ChatStore
import dev.chatd.client.Credentials
import dev.chatd.client.MemoryStore
import dev.chatd.client.Outcome
import dev.chatd.client.Session
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

const val PASSWORD = "correct horse battery"
private val counter = AtomicInteger()
private val runTag = (System.currentTimeMillis() % 100_000).toString(36)

/** A fresh valid username per call (the database is shared by a test class). */
fun uniqueName(prefix: String) = "$prefix${runTag}x${counter.incrementAndGet()}"

fun register(baseUrl: String, name: String): Session = runBlocking {
    when (val r = ChatAuth(baseUrl).register(name, PASSWORD)) {
        is Outcome.Ok -> r.value
        is Outcome.Failed -> error("register $name: ${r.error}")
    }
}

/** A client as an app would hold it, with everything it emitted recorded for assertions. */
class TestClient(
    baseUrl: String,
    credentials: Credentials,
    store: ChatStore = MemoryStore(),
    tweak: (ChatConfig) -> ChatConfig = { it },
) : AutoCloseable {
    val client = ChatClient(
        tweak(
            ChatConfig(
                baseUrl = baseUrl,
                credentials = credentials,
                store = store,
                // Tests restart servers: keep the waits short, but jittered as in production.
                backoff = dev.chatd.client.Backoff(base = 100.milliseconds, cap = 1.seconds),
                requestTimeout = 20.seconds,
                resendAfter = 5.seconds,
            ),
        ),
    )
    val seen = CopyOnWriteArrayList<ChatEvent>()
    val states = CopyOnWriteArrayList<dev.chatd.client.ConnectionState>()
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val collector: Job = scope.launch { client.events.collect { seen += it } }
    private val stateWatcher: Job = scope.launch { client.state.collect { states += it } }

    init {
        client.start()
    }

    fun logEvents(conversation: Long) = seen.filterIsInstance<ChatEvent.LogEvent>().map { it.event }.filter { it.conversation == conversation }
    fun messages(conversation: Long) = logEvents(conversation).filter { it.isMessage }
    inline fun <reified T : ChatEvent> all() = seen.filterIsInstance<T>()
    fun disconnects() = states.filterIsInstance<dev.chatd.client.ConnectionState.WaitingToReconnect>()

    override fun close() {
        client.close()
        collector.cancel()
        stateWatcher.cancel()
        scope.cancel()
    }
}

/** Polls [condition] until it holds (true) or [timeout] passes (false). Generous: the machine is shared. */
fun eventually(timeout: Duration = 30.seconds, condition: () -> Boolean): Boolean = runBlocking {
    withTimeoutOrNull(timeout) {
        while (!condition()) delay(25)
        true
    } ?: condition()
}

fun <T> Outcome<T>.ok(what: String = "request"): T = when (this) {
    is Outcome.Ok -> value
    is Outcome.Failed -> throw AssertionError("$what failed: $error")
}
