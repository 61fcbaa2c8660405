package dev.chatd.client

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import java.io.FileOutputStream
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption

/** A message the app sent that the server has not acked yet. */
@Serializable
data class OutboxItem(
    @SerialName("client_msg_id") val clientMsgId: String,
    val conversation: Long,
    val body: String,
    @SerialName("created_at_ms") val createdAtMs: Long,
    /** The seq of the message this one replies to. */
    @SerialName("reply_to") val replyTo: Long? = null,
    /** Attachment ids from [ChatClient.uploadAttachment]. */
    val attachments: List<String> = emptyList(),
)

/** What a store holds: the last seq delivered to the app per conversation, and the outbox. */
data class StoreSnapshot(val positions: Map<Long, Long>, val outbox: List<OutboxItem>)

/**
 * Where a [ChatClient] keeps what must survive an app restart. Every call may suspend (do I/O off
 * the caller's thread) and must be durable when it returns; the client calls them from its own
 * coroutines, one at a time per client, so an implementation only needs to be safe against other
 * users of the same storage.
 *
 * On Android, back it with Room (a `positions(conversation PRIMARY KEY, seq)` table and an
 * `outbox(client_msg_id PRIMARY KEY, conversation, body, created_at_ms, reply_to, attachments)` table, `suspend` DAO
 * methods) or with DataStore (one serialized [StoreSnapshot]-like message updated atomically).
 */
interface ChatStore {
    /** Called once when the client starts. [StoreSnapshot.outbox] in the order items were added. */
    suspend fun load(): StoreSnapshot

    /** The app has been handed every event of [conversation] up to [seq]. Only ever increases. */
    suspend fun savePosition(conversation: Long, seq: Long)

    suspend fun addToOutbox(item: OutboxItem)

    /** The server acked the item (or refused it for good). Unknown ids are ignored. */
    suspend fun removeFromOutbox(clientMsgId: String)
}

/** Keeps everything in memory: nothing survives the process. Tests and throw-away tools. */
class MemoryStore : ChatStore {
    private val mutex = Mutex()
    private val positions = HashMap<Long, Long>()
    private val outbox = LinkedHashMap<String, OutboxItem>()

    override suspend fun load() = mutex.withLock { StoreSnapshot(positions.toMap(), outbox.values.toList()) }

    override suspend fun savePosition(conversation: Long, seq: Long) = mutex.withLock {
        positions[conversation] = maxOf(seq, positions[conversation] ?: 0)
    }

    override suspend fun addToOutbox(item: OutboxItem) = mutex.withLock { outbox[item.clientMsgId] = item }

    override suspend fun removeFromOutbox(clientMsgId: String) = mutex.withLock { outbox.remove(clientMsgId); Unit }
}

/**
 * One JSON file, replaced atomically (write a temporary file, fsync, rename) on every change, so a
 * crash leaves the old or the new state and never half of one. For JVM apps and tools; fine for a
 * few thousand conversations, not meant for a server.
 */
class FileStore(private val path: Path) : ChatStore {
    @Serializable
    private data class Contents(
        val positions: Map<Long, Long> = emptyMap(),
        val outbox: List<OutboxItem> = emptyList(),
    )

    private val json = Json { ignoreUnknownKeys = true }
    private val mutex = Mutex()
    private var cached: Contents? = null

    private fun read(): Contents {
        cached?.let { return it }
        val c = if (Files.exists(path)) json.decodeFromString(Contents.serializer(), Files.readString(path)) else Contents()
        cached = c
        return c
    }

    private fun write(c: Contents) {
        path.toAbsolutePath().parent?.let { Files.createDirectories(it) }
        val tmp = path.resolveSibling(path.fileName.toString() + ".tmp")
        FileOutputStream(tmp.toFile()).use { out ->
            out.write(json.encodeToString(Contents.serializer(), c).toByteArray())
            out.fd.sync()
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
        cached = c
    }

    private suspend fun update(f: (Contents) -> Contents) = mutex.withLock {
        withContext(Dispatchers.IO) {
            val before = read()
            val after = f(before)
            if (after != before) write(after)
        }
    }

    override suspend fun load(): StoreSnapshot = mutex.withLock {
        withContext(Dispatchers.IO) { read().let { StoreSnapshot(it.positions, it.outbox) } }
    }

    override suspend fun savePosition(conversation: Long, seq: Long) = update { c ->
        if ((c.positions[conversation] ?: 0) >= seq) c else c.copy(positions = c.positions + (conversation to seq))
    }

    override suspend fun addToOutbox(item: OutboxItem) = update { c ->
        if (c.outbox.any { it.clientMsgId == item.clientMsgId }) c else c.copy(outbox = c.outbox + item)
    }

    override suspend fun removeFromOutbox(clientMsgId: String) = update { c ->
        c.copy(outbox = c.outbox.filterNot { it.clientMsgId == clientMsgId })
    }
}
