package dev.chatd.client.protocol

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable

/** Every server frame of docs/protocol.md section 6, plus [Unknown] for types this client predates. */
sealed interface ServerFrame

/** A reply names its request in `ref`. */
sealed interface Reply : ServerFrame {
    val ref: String
}

@Serializable
data class Welcome(
    override val ref: String,
    val version: Int,
    val user: User,
    @SerialName("session_expires") val sessionExpires: String = "",
) : Reply

@Serializable
data class Ack(
    override val ref: String,
    val conversation: Long,
    @SerialName("client_msg_id") val clientMsgId: String,
    val seq: Long,
    val ts: Long,
    val duplicate: Boolean = false,
) : Reply

/** An `event` push: the event's fields beside `"type"`. */
data class EventPush(val event: Event) : ServerFrame

@Serializable
data class HistoryPage(
    override val ref: String,
    val conversation: Long,
    val events: List<Event>,
    @SerialName("has_more") val hasMore: Boolean = false,
) : Reply

@Serializable
data class SyncDone(override val ref: String, val positions: List<Position>) : Reply

@Serializable
data class ConversationReply(override val ref: String, val conversation: Conversation) : Reply

@Serializable
data class ConversationsReply(
    override val ref: String,
    val conversations: List<Conversation>,
    /** More conversations: ask again with this as `cursor`; null on the last page. */
    @SerialName("next_cursor") val nextCursor: String? = null,
) : Reply

@Serializable
data class UsersReply(override val ref: String, val users: List<User>) : Reply

/** One `search` hit: enough to open the conversation at the message. */
@Serializable
data class SearchHit(val conversation: Long, val seq: Long, val sender: User, val ts: Long, val excerpt: String = "")

@Serializable
data class SearchResults(
    override val ref: String,
    val hits: List<SearchHit>,
    @SerialName("next_cursor") val nextCursor: String? = null,
) : Reply

@Serializable
data class TypingPush(val conversation: Long, val user: User) : ServerFrame

@Serializable
data class ReadPush(val conversation: Long, val user: User, val seq: Long) : ServerFrame

@Serializable
data class PresencePush(val user: User, val online: Boolean) : ServerFrame

/** A contact (or you, on another connection) changed their avatar: [user] is the profile now. */
@Serializable
data class ProfilePush(val user: User) : ServerFrame

@Serializable
data class OkReply(override val ref: String) : Reply

@Serializable
data class Pong(override val ref: String) : Reply

/** An `error` frame; [ref] is absent when it concerns the connection or the id was unreadable. */
@Serializable
data class ErrorFrame(val code: String, val message: String = "", val ref: String? = null) : ServerFrame {
    val errorCode: ErrorCode get() = ErrorCode.fromWire(code)
}

/** A frame whose `type` this client does not know (the protocol says: ignore it). */
data class Unknown(val type: String) : ServerFrame
