package dev.chatd.client

import dev.chatd.client.protocol.Ack
import dev.chatd.client.protocol.Attachment
import dev.chatd.client.protocol.Codec
import dev.chatd.client.protocol.Conversation
import dev.chatd.client.protocol.ConversationReply
import dev.chatd.client.protocol.ConversationsReply
import dev.chatd.client.protocol.ErrorCode
import dev.chatd.client.protocol.ErrorFrame
import dev.chatd.client.protocol.Event
import dev.chatd.client.protocol.EventPush
import dev.chatd.client.protocol.HistoryPage
import dev.chatd.client.protocol.OkReply
import dev.chatd.client.protocol.Pong
import dev.chatd.client.protocol.Position
import dev.chatd.client.protocol.PresencePush
import dev.chatd.client.protocol.ProfilePush
import dev.chatd.client.protocol.ReadPush
import dev.chatd.client.protocol.SearchHit
import dev.chatd.client.protocol.SearchResults
import dev.chatd.client.protocol.Reply
import dev.chatd.client.protocol.Request
import dev.chatd.client.protocol.ServerFrame
import dev.chatd.client.protocol.SyncDone
import dev.chatd.client.protocol.TypingPush
import dev.chatd.client.protocol.Unknown
import dev.chatd.client.protocol.User
import dev.chatd.client.protocol.UsersReply
import dev.chatd.client.protocol.Welcome
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.filterNotNull
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import okhttp3.HttpUrl.Companion.toHttpUrl
import okhttp3.RequestBody.Companion.asRequestBody
import okhttp3.RequestBody.Companion.toRequestBody
import java.io.File
import java.util.UUID
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource

/**
 * A chatd client core: one WebSocket that reconnects by itself, catch-up with `sync`, an outbox
 * that resends until acked, and a [Flow] of typed [events].
 *
 * Threading: all of the client's state lives on one confined coroutine dispatcher (one thread at a
 * time, taken from [Dispatchers.Default]); OkHttp's threads only hand frames over. Every public
 * function is main-safe: call it from any thread or coroutine, including Android's main thread.
 * Collect [events] exactly once, for the client's lifetime.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class ChatClient(private val config: ChatConfig) : AutoCloseable {
    private val loop = Dispatchers.Default.limitedParallelism(1)
    private val scope = CoroutineScope(SupervisorJob() + loop + CoroutineName("chatd-client"))
    private val clock = TimeSource.Monotonic
    private val wsUrl = config.baseUrl.toHttpUrl().resolve("ws")!!
    private val attachmentHttp = AttachmentHttp(config.baseUrl, config.http)

    private val _state = MutableStateFlow<ConnectionState>(ConnectionState.Idle)

    /** The connection's state; [ConnectionState.SignedOut] stops reconnecting until [resume]. */
    val state: StateFlow<ConnectionState> = _state.asStateFlow()

    private val out = Channel<ChatEvent>(Channel.UNLIMITED)

    /**
     * Everything that happens, in order. A [ChatEvent.LogEvent]'s position is saved to the store
     * once the collector has processed it (the collector's block returned), so after a crash the
     * app sees at most the event it was processing again, never a gap.
     */
    val events: Flow<ChatEvent> = flow {
        for (e in out) {
            emit(e)
            if (e is ChatEvent.LogEvent) config.store.savePosition(e.event.conversation, e.event.seq)
        }
    }

    // ---- state confined to [loop] ----
    private class OutboxEntry(val item: OutboxItem) {
        var inFlightOn: Live? = null
        var sentAt = TimeSource.Monotonic.markNow()
        var notBefore = TimeSource.Monotonic.markNow()
    }

    private class Live(val socket: Socket, val user: User) {
        val pending = HashMap<String, CompletableDeferred<ServerFrame?>>()
        val sendRefs = HashMap<String, String>() // request id -> client_msg_id
        var lastRx = TimeSource.Monotonic.markNow()
    }

    private val sequencer = Sequencer()
    private val outbox = LinkedHashMap<String, OutboxEntry>()
    private val ackWaiters = HashMap<String, MutableList<CompletableDeferred<Outcome<ChatEvent.SendAcked>>>>()
    private val recentAcks = object : LinkedHashMap<String, ChatEvent.SendAcked>() {
        override fun removeEldestEntry(eldest: MutableMap.MutableEntry<String, ChatEvent.SendAcked>?) = size > 1000
    }
    private val filling = HashSet<Long>()
    private val syncing = HashSet<Long>()
    private val ready = MutableStateFlow<Live?>(null)
    private val wake = Channel<Unit>(Channel.CONFLATED)
    private val outboxSignal = Channel<Unit>(Channel.CONFLATED)
    private val pacer = Pacer(config.requestsPerSecond, config.requestBurst)
    private var credentials = config.credentials
    private var runner: Job? = null
    private var loaded = false
    private var nextId = 0L
    @Volatile private var me: User? = null

    /** Loads the store and starts connecting. Returns at once; watch [state]. */
    fun start() {
        scope.launch { if (runner == null) runner = scope.launch { run() } }
    }

    /** After [ConnectionState.SignedOut]: connect again with new credentials (a fresh sign-in). */
    fun resume(newCredentials: Credentials) {
        scope.launch {
            credentials = newCredentials
            if (runner?.isActive != true) runner = scope.launch { run() } else wake.trySend(Unit)
        }
    }

    /** Skip the rest of a backoff wait (e.g. the phone's network came back). */
    fun reconnectNow() {
        wake.trySend(Unit)
    }

    /** Who the server says we are, once connected. */
    val user: User? get() = me

    override fun close() {
        _state.value = ConnectionState.Closed
        ready.value?.socket?.close(1000, "client closing")
        scope.cancel()
        out.close()
    }

    // ---------------------------------------------------------------- connection loop

    private suspend fun run() {
        if (!loaded) {
            val snap = config.store.load()
            snap.positions.forEach { (c, s) -> sequencer.seed(c, s) }
            snap.outbox.forEach { outbox[it.clientMsgId] = OutboxEntry(it) }
            loaded = true
        }
        var attempt = 0
        while (scope.isActive) {
            _state.value = ConnectionState.Connecting(attempt)
            val started = clock.markNow()
            val (end, welcomed) = connectOnce()
            if (welcomed && started.elapsedNow() >= config.stableAfter) attempt = 0
            config.log("chatd: disconnected code=${end.code} http=${end.httpStatus} reason=${end.reason}")
            val wait = when (val d = ReconnectPolicy.decide(end, attempt, config)) {
                is ReconnectPolicy.Decision.SignOut -> {
                    _state.value = ConnectionState.SignedOut(d.error)
                    failWaiters(d.error)
                    out.send(ChatEvent.SignedOut(d.error))
                    return
                }
                is ReconnectPolicy.Decision.Retry -> d.delay
            }
            attempt++
            _state.value = ConnectionState.WaitingToReconnect(attempt, wait, end)
            withTimeoutOrNull(wait) { wake.receive() }
        }
    }

    /** One connection, from upgrade to its end. Returns how it ended and whether `welcome` came. */
    private suspend fun connectOnce(): Pair<Disconnect, Boolean> {
        val creds = credentials
        val request = okhttp3.Request.Builder().url(wsUrl).apply {
            when (creds) {
                is Credentials.Bearer -> header("Authorization", "Bearer ${creds.token}")
                is Credentials.SessionCookie -> header("Cookie", "chatd_session=${creds.value}")
                is Credentials.HelloToken -> Unit
            }
        }.build()
        val socket = Socket(config.http, request)
        val helloId = newId()
        socket.send(Codec.encode(Request.Hello(helloId, 1, (creds as? Credentials.HelloToken)?.token)))
        var live: Live? = null
        var authRefused: Disconnect? = null
        val jobs = mutableListOf<Job>()
        jobs += scope.launch {
            delay(config.helloTimeout)
            if (live == null) socket.cancel()
        }
        try {
            for (m in socket.inbound) {
                when (m) {
                    is Socket.In.Ended -> {
                        val end = if (m.disconnect.code != null || m.disconnect.httpStatus != null) m.disconnect else authRefused ?: m.disconnect
                        return end to (live != null)
                    }
                    is Socket.In.Text -> {
                        val frame = when (val d = Codec.decode(m.text)) {
                            is Codec.Decoded.Frame -> d.frame
                            is Codec.Decoded.Malformed -> {
                                config.log("chatd: ignored a malformed frame: ${d.reason}")
                                continue
                            }
                        }
                        val l = live
                        if (l != null) {
                            l.lastRx = clock.markNow()
                            handle(l, frame)
                        } else if (frame is Welcome && frame.ref == helloId) {
                            val nl = Live(socket, frame.user)
                            live = nl
                            me = frame.user
                            ready.value = nl
                            _state.value = ConnectionState.Connected(frame.user, frame.sessionExpires)
                            config.log("chatd: connected as ${frame.user.username}")
                            jobs += scope.launch { catchUp(nl) }
                            jobs += scope.launch { keepAlive(nl) }
                        } else if (frame is ErrorFrame && frame.ref == helloId) {
                            // The hello itself failed: a bad token in hello, or too many connections.
                            // The server closes (4001, 4029) next; what it says then wins.
                            authRefused = when (frame.errorCode) {
                                ErrorCode.NOT_AUTHENTICATED -> Disconnect(ReconnectPolicy.NOT_AUTHENTICATED, frame.message)
                                ErrorCode.TOO_MANY_CONNECTIONS -> Disconnect(ReconnectPolicy.TOO_MANY_CONNECTIONS, frame.message)
                                else -> Disconnect(null, "hello refused: ${frame.code}")
                            }
                            if (frame.errorCode != ErrorCode.NOT_AUTHENTICATED && frame.errorCode != ErrorCode.TOO_MANY_CONNECTIONS) {
                                socket.close(1000, "hello refused")
                            }
                        } else if (frame is ErrorFrame) {
                            out.send(ChatEvent.ServerError(serverError(frame)))
                        }
                    }
                }
            }
            return (authRefused ?: Disconnect(null, "socket ended")) to (live != null)
        } finally {
            jobs.forEach { it.cancel() }
            ready.value = null
            socket.cancel()
            live?.let { l ->
                l.pending.values.forEach { it.complete(null) }
                l.pending.clear()
                outbox.values.filter { it.inFlightOn === l }.forEach { it.inFlightOn = null }
            }
            filling.clear()
            syncing.clear()
        }
    }

    /** After `welcome`: learn new conversations, `sync` every one from its position, flush the outbox. */
    private suspend fun catchUp(live: Live) {
        val listed = allPages { cursor -> exchange(live, ConversationsReply::class) { Request.ListConversations(it, cursor = cursor) } }
        val ids = LinkedHashSet<Long>()
        ids += sequencer.positions().keys
        (listed as? Outcome.Ok)?.value?.forEach { ids += it.id }
        val reached = HashMap<Long, Long>()
        for (chunk in ids.chunked(MAX_SYNC_POSITIONS)) {
            syncing += chunk
            val positions = chunk.map { Position(it, sequencer.position(it)) }
            // A long replay can take a while on a loaded server; the reply comes after all its events.
            when (val r = exchange(live, SyncDone::class, config.requestTimeout * 3) { Request.Sync(it, positions) }) {
                is Outcome.Ok -> r.value.positions.forEach { reached[it.conversation] = it.lastSeq }
                is Outcome.Failed -> {
                    config.log("chatd: sync failed (${r.error}); reconnecting")
                    live.socket.cancel()
                    return
                }
            }
            syncing -= chunk.toSet()
        }
        // Gaps the replay did not close (a conversation that moved on, events we buffered early).
        for ((c, seq) in reached) if (seq > sequencer.position(c) || sequencer.hasGap(c)) fill(live, c, seq)
        out.send(ChatEvent.Synced(reached.mapValues { (c, s) -> maxOf(s, sequencer.position(c)) }))
        outboxPump(live)
    }

    private suspend fun keepAlive(live: Live) {
        while (true) {
            delay(config.idlePing / 3)
            if (live.lastRx.elapsedNow() < config.idlePing) continue
            if (exchange(live, Pong::class, config.pongTimeout) { Request.Ping(it) } !is Outcome.Ok) {
                config.log("chatd: no pong in ${config.pongTimeout}; dropping the connection")
                live.socket.cancel()
                return
            }
        }
    }

    /**
     * The only sender of outbox messages on [live], so they go out in the order the app wrote them:
     * first everything queued while offline, then new ones; again when unacked too long (same
     * `client_msg_id`), or when a retry pause after `rate_limited`/`unavailable` is over.
     */
    private suspend fun outboxPump(live: Live) {
        while (ready.value === live) {
            for (entry in outbox.values.toList()) {
                if (ready.value !== live) return
                if (outbox[entry.item.clientMsgId] !== entry) continue
                val stale = entry.inFlightOn === live && entry.sentAt.elapsedNow() >= config.resendAfter
                val due = entry.inFlightOn !== live && entry.notBefore.hasPassedNow()
                if (stale || due) transmit(live, entry)
            }
            withTimeoutOrNull(1.seconds) { outboxSignal.receive() }
        }
    }

    private suspend fun transmit(live: Live, entry: OutboxEntry) {
        pacer.acquire()
        // Checked after the wait: the connection may have gone, or the ack come, meanwhile. No
        // suspension from here on, so the connection's cleanup sees inFlightOn set or not at all.
        if (ready.value !== live || outbox[entry.item.clientMsgId] !== entry) return
        val id = newId()
        live.sendRefs[id] = entry.item.clientMsgId
        entry.inFlightOn = live
        entry.sentAt = clock.markNow()
        val item = entry.item
        val send = Request.Send(id, item.conversation, item.clientMsgId, item.body, item.replyTo, item.attachments.ifEmpty { null })
        if (!live.socket.send(Codec.encode(send))) {
            live.sendRefs.remove(id)
            entry.inFlightOn = null
        }
    }

    // ---------------------------------------------------------------- inbound frames

    private suspend fun handle(live: Live, frame: ServerFrame) {
        when (frame) {
            is EventPush -> offer(live, frame.event)
            is TypingPush -> out.send(ChatEvent.Typing(frame.conversation, frame.user))
            is ReadPush -> out.send(ChatEvent.ReadMoved(frame.conversation, frame.user, frame.seq))
            is PresencePush -> out.send(ChatEvent.Presence(frame.user, frame.online))
            is ProfilePush -> out.send(ChatEvent.Profile(frame.user))
            is Ack -> {
                live.sendRefs.remove(frame.ref)
                live.pending.remove(frame.ref)?.complete(frame)
                acked(frame.clientMsgId, frame.seq, frame.ts, frame.duplicate)
            }
            is ErrorFrame -> {
                val ref = frame.ref
                val cmid = ref?.let { live.sendRefs.remove(it) }
                when {
                    cmid != null -> sendRefused(cmid, serverError(frame))
                    ref != null && live.pending.containsKey(ref) -> live.pending.remove(ref)?.complete(frame)
                    else -> out.send(ChatEvent.ServerError(serverError(frame)))
                }
            }
            is Reply -> live.pending.remove(frame.ref)?.complete(frame)
            is Unknown -> config.log("chatd: ignored a frame of unknown type ${frame.type}")
        }
    }

    private suspend fun offer(live: Live, event: Event) {
        val result = sequencer.offer(event)
        for (e in result.ready) {
            out.send(ChatEvent.LogEvent(e))
            // Our own message's event means it is stored, even if its ack was lost with a socket.
            if (e.isMessage && e.sender.id == me?.id && outbox.containsKey(e.clientMsgId)) acked(e.clientMsgId, e.seq, e.ts, duplicate = false)
        }
        val c = event.conversation
        if (result.gapAfter != null && c !in syncing && c !in filling) {
            scope.launch { fill(live, c, 0) }
        }
    }

    /** Fetches `history` after the conversation's position until [target] is reached and no gap is left. */
    private suspend fun fill(live: Live, c: Long, target: Long) {
        if (!filling.add(c)) return
        try {
            while (sequencer.position(c) < target || sequencer.hasGap(c)) {
                val after = sequencer.position(c)
                val page = exchange(live, HistoryPage::class) { Request.History(it, c, after = after, limit = 200) }
                if (page !is Outcome.Ok) break
                page.value.events.forEach { offer(live, it) }
                if (page.value.events.isEmpty() || !page.value.hasMore && sequencer.position(c) == after) break
            }
        } finally {
            filling.remove(c)
        }
    }

    private suspend fun acked(clientMsgId: String, seq: Long, ts: Long, duplicate: Boolean) {
        val entry = outbox.remove(clientMsgId) ?: return // already reported
        config.store.removeFromOutbox(clientMsgId)
        val ack = ChatEvent.SendAcked(entry.item, seq, ts, duplicate)
        recentAcks[clientMsgId] = ack
        out.send(ack)
        ackWaiters.remove(clientMsgId)?.forEach { it.complete(Outcome.Ok(ack)) }
    }

    private suspend fun sendRefused(clientMsgId: String, error: ChatError.Server) {
        val entry = outbox[clientMsgId] ?: return
        if (error.retryable) {
            entry.inFlightOn = null
            entry.notBefore = clock.markNow() + if (error.code == ErrorCode.RATE_LIMITED) 1.seconds else config.backoff.ceiling(2)
            return
        }
        outbox.remove(clientMsgId)
        config.store.removeFromOutbox(clientMsgId)
        out.send(ChatEvent.SendFailed(entry.item, error))
        ackWaiters.remove(clientMsgId)?.forEach { it.complete(Outcome.Failed(error)) }
    }

    private fun failWaiters(error: ChatError) {
        ackWaiters.values.flatten().forEach { it.complete(Outcome.Failed(error)) }
        ackWaiters.clear()
    }

    // ---------------------------------------------------------------- requests

    private fun newId(): String = (++nextId).toString()

    private fun serverError(f: ErrorFrame) = ChatError.Server(f.errorCode, f.code, f.message)

    /** One request on [live] and its reply, as an [Outcome]. Runs on [loop]. */
    private suspend fun <T : Reply> exchange(
        live: Live,
        expect: KClass<T>,
        timeout: Duration = config.requestTimeout,
        build: (String) -> Request,
    ): Outcome<T> {
        val id = newId()
        val reply = CompletableDeferred<ServerFrame?>()
        live.pending[id] = reply
        try {
            val frame = withTimeoutOrNull(timeout) {
                pacer.acquire()
                if (!live.socket.send(Codec.encode(build(id)))) return@withTimeoutOrNull null
                reply.await()
            }
            return when {
                frame == null && reply.isCompleted -> Outcome.Failed(ChatError.ConnectionLost)
                frame == null && ready.value !== live -> Outcome.Failed(ChatError.ConnectionLost)
                frame == null -> Outcome.Failed(ChatError.Timeout("no reply in $timeout"))
                frame is ErrorFrame -> Outcome.Failed(serverError(frame))
                expect.isInstance(frame) -> @Suppress("UNCHECKED_CAST") Outcome.Ok(frame as T)
                else -> Outcome.Failed(ChatError.Protocol("expected ${expect.simpleName}, got ${frame::class.simpleName}"))
            }
        } finally {
            live.pending.remove(id)
        }
    }

    /**
     * A public request: waits (within [timeout]) for a live connection, sends, awaits the reply.
     * [idempotent] requests are tried again on the next connection when the socket drops.
     */
    private suspend fun <T : Reply> request(
        expect: KClass<T>,
        idempotent: Boolean,
        timeout: Duration = config.requestTimeout,
        build: (String) -> Request,
    ): Outcome<T> = withContext(loop) {
        val start = clock.markNow()
        var result: Outcome<T>
        do {
            val left = timeout - start.elapsedNow()
            val live = if (left > Duration.ZERO) withTimeoutOrNull(left) { awaitLive() } else null
            result = when (live) {
                null -> Outcome.Failed(ChatError.Timeout("not connected within $timeout"))
                is Outcome.Failed -> live
                is Outcome.Ok -> exchange(live.value, expect, timeout - start.elapsedNow(), build)
            }
        } while (idempotent && result is Outcome.Failed && result.error == ChatError.ConnectionLost)
        result
    }

    private suspend fun awaitLive(): Outcome<Live> =
        combine(ready, _state) { live, s ->
            when {
                live != null -> Outcome.Ok(live)
                s is ConnectionState.SignedOut -> Outcome.Failed(s.error)
                s is ConnectionState.Closed -> Outcome.Failed(ChatError.Closed)
                else -> null
            }
        }.filterNotNull().first()

    /**
     * Queues a message: stored in the outbox (durably, through the store) before this returns, then
     * sent whenever a connection is up, with the same `client_msg_id` until the server acks it.
     * The outcome arrives as one [ChatEvent.SendAcked] or [ChatEvent.SendFailed]; [awaitAck] waits for it.
     */
    suspend fun send(
        conversation: Long,
        body: String,
        clientMsgId: String = UUID.randomUUID().toString(),
        /** The seq of the message this one replies to (quotes). */
        replyTo: Long? = null,
        /** Ids from [uploadAttachment], at most 10; with them [body] may be "". */
        attachments: List<String> = emptyList(),
    ): OutboxItem {
        val item = OutboxItem(clientMsgId, conversation, body, System.currentTimeMillis(), replyTo, attachments)
        config.store.addToOutbox(item)
        withContext(loop) {
            if (outbox.containsKey(item.clientMsgId) || recentAcks.containsKey(item.clientMsgId)) return@withContext
            val entry = OutboxEntry(item)
            outbox[item.clientMsgId] = entry
            outboxSignal.trySend(Unit)
        }
        return item
    }

    /** Waits for the ack of an outbox message (also one acked before this call). */
    suspend fun awaitAck(clientMsgId: String, timeout: Duration = config.requestTimeout): Outcome<ChatEvent.SendAcked> {
        val waiter = withContext(loop) {
            recentAcks[clientMsgId]?.let { return@withContext null to Outcome.Ok(it) }
            if (!outbox.containsKey(clientMsgId)) return@withContext null to Outcome.Failed(ChatError.Protocol("$clientMsgId is not in the outbox"))
            val d = CompletableDeferred<Outcome<ChatEvent.SendAcked>>()
            ackWaiters.getOrPut(clientMsgId) { mutableListOf() } += d
            d to null
        }
        waiter.second?.let { return it }
        return withTimeoutOrNull(timeout) { waiter.first!!.await() } ?: Outcome.Failed(ChatError.Timeout("no ack in $timeout"))
    }

    /** The messages not acked yet, oldest first. */
    suspend fun pendingSends(): List<OutboxItem> = withContext(loop) { outbox.values.map { it.item } }

    /** The last seq handed to the app per conversation (what the next `sync` starts from). */
    suspend fun positions(): Map<Long, Long> = withContext(loop) { sequencer.positions() }

    /** A page of a conversation's log for display (scrolling back); not fed into [events]. */
    suspend fun history(conversation: Long, before: Long? = null, after: Long? = null, limit: Int = 50): Outcome<HistoryPage> =
        request(HistoryPage::class, idempotent = true) { Request.History(it, conversation, before, after, limit) }

    /** All conversations, most recently active first: every page, following `next_cursor`. */
    suspend fun listConversations(): Outcome<List<Conversation>> = allPages { cursor ->
        request(ConversationsReply::class, idempotent = true) { Request.ListConversations(it, cursor = cursor) }
    }

    /**
     * `list_conversations` page after page until a reply has no `next_cursor`, merged by id (the
     * first page holding a conversation wins: it moved to the front meanwhile). `rate_limited` (the
     * database budget) waits a second and asks for the same page again.
     */
    private suspend fun allPages(page: suspend (String?) -> Outcome<ConversationsReply>): Outcome<List<Conversation>> {
        val all = LinkedHashMap<Long, Conversation>()
        var cursor: String? = null
        var limited = 0
        for (n in 0 until MAX_LIST_PAGES) {
            when (val r = page(cursor)) {
                is Outcome.Failed -> {
                    val e = r.error
                    if (e !is ChatError.Server || e.code != ErrorCode.RATE_LIMITED || ++limited > 20) return r
                    delay(1.seconds)
                }
                is Outcome.Ok -> {
                    r.value.conversations.forEach { all.putIfAbsent(it.id, it) }
                    val next = r.value.nextCursor
                    if (next == null || next == cursor) break
                    cursor = next
                }
            }
        }
        return Outcome.Ok(all.values.toList())
    }

    suspend fun searchUsers(prefix: String, limit: Int? = null): Outcome<List<User>> =
        request(UsersReply::class, idempotent = true) { Request.SearchUsers(it, prefix, limit) }.map { it.users }

    suspend fun openDirect(username: String): Outcome<Conversation> =
        request(ConversationReply::class, idempotent = true) { Request.OpenDirect(it, username) }.map { it.conversation }

    /** Not retried after a dropped socket: a repeat would create a second group (docs/protocol.md 10). */
    suspend fun createGroup(title: String, members: List<String>): Outcome<Conversation> =
        request(ConversationReply::class, idempotent = false) { Request.CreateGroup(it, title, members) }.map { it.conversation }

    suspend fun addMember(conversation: Long, username: String): Outcome<Conversation> =
        request(ConversationReply::class, idempotent = true) { Request.AddMember(it, conversation, username) }.map { it.conversation }

    suspend fun removeMember(conversation: Long, username: String): Outcome<Conversation> =
        request(ConversationReply::class, idempotent = true) { Request.RemoveMember(it, conversation, username) }.map { it.conversation }

    suspend fun leave(conversation: Long): Outcome<Unit> =
        request(OkReply::class, idempotent = false) { Request.Leave(it, conversation) }.map { }

    /** Say the user is typing; call at most every 3 s while they type (docs/protocol.md). */
    suspend fun typing(conversation: Long): Outcome<Unit> =
        request(OkReply::class, idempotent = true) { Request.Typing(it, conversation) }.map { }

    /** Move the read position (others see a [ChatEvent.ReadMoved]). */
    suspend fun markRead(conversation: Long, seq: Long): Outcome<Unit> =
        request(OkReply::class, idempotent = true) { Request.Read(it, conversation, seq) }.map { }

    suspend fun ping(): Outcome<Unit> = request(Pong::class, idempotent = true) { Request.Ping(it) }.map { }

    // ---------------------------------------------------------------- message changes

    /**
     * Replaces the text of one's own message [target] (docs/protocol.md, edit_message); every member
     * gets a `message_edited` event. The [Ack] carries the edit's own seq. Tried again after a dropped
     * socket with the same [clientMsgId], which the server answers with the first ack (`duplicate`).
     */
    suspend fun editMessage(conversation: Long, target: Long, body: String, clientMsgId: String = UUID.randomUUID().toString()): Outcome<Ack> =
        request(Ack::class, idempotent = true) { Request.EditMessage(it, conversation, clientMsgId, target, body) }

    /** Deletes a message (one's own; in a group an admin or the owner may delete anyone's): its text, reactions and attachments go. */
    suspend fun deleteMessage(conversation: Long, target: Long, clientMsgId: String = UUID.randomUUID().toString()): Outcome<Ack> =
        request(Ack::class, idempotent = true) { Request.DeleteMessage(it, conversation, clientMsgId, target) }

    /** Adds [emoji] as one's reaction to message [target] (one of a kind per person). */
    suspend fun react(conversation: Long, target: Long, emoji: String, clientMsgId: String = UUID.randomUUID().toString()): Outcome<Ack> =
        request(Ack::class, idempotent = true) { Request.React(it, conversation, clientMsgId, target, emoji) }

    suspend fun unreact(conversation: Long, target: Long, emoji: String, clientMsgId: String = UUID.randomUUID().toString()): Outcome<Ack> =
        request(Ack::class, idempotent = true) { Request.Unreact(it, conversation, clientMsgId, target, emoji) }

    // ---------------------------------------------------------------- search

    /**
     * One page of `search` hits, newest first; pass a page's [SearchResults.nextCursor] as [cursor]
     * for the next (older) one. A page may be short, even empty, and still have a next cursor (short
     * queries, docs/protocol.md): keep asking while it has one, or use [searchAll].
     */
    suspend fun search(query: String, cursor: String? = null, limit: Int? = null): Outcome<SearchResults> =
        request(SearchResults::class, idempotent = true) { Request.Search(it, query, cursor, limit) }

    /** Hits page after page, following `next_cursor`, until there are none left or [max] are found. */
    suspend fun searchAll(query: String, max: Int = 200, pageSize: Int = 50): Outcome<List<SearchHit>> {
        val hits = ArrayList<SearchHit>()
        var cursor: String? = null
        for (n in 0 until MAX_SEARCH_PAGES) {
            when (val r = search(query, cursor, pageSize)) {
                is Outcome.Failed -> return r
                is Outcome.Ok -> {
                    hits += r.value.hits
                    val next = r.value.nextCursor
                    if (next == null || next == cursor || hits.size >= max) return Outcome.Ok(hits.take(max))
                    cursor = next
                }
            }
        }
        return Outcome.Ok(hits.take(max))
    }

    // ---------------------------------------------------------------- attachments

    /**
     * Uploads a file over HTTP (`POST /api/attachments`); send its [Attachment.id] with [send]. The
     * server sniffs the type; an image it cannot decode whole fails with [ChatError.Http] 415
     * `unsupported_media_type`, a file over the server's limit with 413 `body_too_large`.
     */
    suspend fun uploadAttachment(bytes: ByteArray, name: String): Outcome<Attachment> =
        attachmentHttp.upload(currentCredentials(), name, bytes.toRequestBody(AttachmentHttp.octets))

    /** The same, streamed from [file] (never read into memory). */
    suspend fun uploadAttachment(file: File, name: String = file.name): Outcome<Attachment> =
        attachmentHttp.upload(currentCredentials(), name, file.asRequestBody(AttachmentHttp.octets))

    /** Uploads [bytes] and queues a message with it (and [body], which may be ""). */
    suspend fun sendFile(conversation: Long, bytes: ByteArray, name: String, body: String = "", replyTo: Long? = null): Outcome<OutboxItem> =
        uploadAttachment(bytes, name).map { send(conversation, body, replyTo = replyTo, attachments = listOf(it.id)) }

    /** A file (or its thumbnail) of a message in a conversation one is in, or one's own upload. */
    suspend fun downloadAttachment(id: String, thumbnail: Boolean = false): Outcome<ByteArray> =
        attachmentHttp.download(currentCredentials(), id, thumbnail)

    private suspend fun currentCredentials(): Credentials = withContext(loop) { credentials }

    private companion object {
        const val MAX_SEARCH_PAGES = 100
        const val MAX_SYNC_POSITIONS = 1000
        const val MAX_LIST_PAGES = 1000 // 200 conversations each
    }
}
