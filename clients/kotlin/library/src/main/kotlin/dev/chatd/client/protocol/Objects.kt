package dev.chatd.client.protocol

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable

// The shared objects of docs/protocol.md section 4.1. Unknown fields are ignored by the codec.

/** [avatarColor] and [avatar] are set only where the user is a profile (docs/protocol.md 4.1). */
@Serializable
data class User(
    val id: Long,
    val username: String,
    @SerialName("avatar_color") val avatarColor: String? = null,
    /** An avatar image id: `GET /api/avatars/<id>`. */
    val avatar: String? = null,
)

/** One entry of a conversation's log (`event` frames, `history` pages, `last_event`). */
@Serializable
data class Event(
    val conversation: Long,
    val seq: Long,
    @SerialName("event_id") val eventId: String,
    /** `message`, `created`, `member_added`, `member_removed`, `member_left`, or a newer kind. */
    val kind: String,
    val sender: User,
    @SerialName("client_msg_id") val clientMsgId: String = "",
    val subject: User? = null,
    val body: String = "",
    val ts: Long,
    /** The message an edit, delete or reaction refers to. */
    val target: Long? = null,
    val emoji: String? = null,
    @SerialName("reply_to") val replyTo: Long? = null,
    val mentions: List<User> = emptyList(),
    val role: String? = null,
    /** A message's files, in the order sent (docs/protocol.md, Attachments). */
    val attachments: List<Attachment> = emptyList(),
    /** In history: when the message was last edited (null: never). */
    @SerialName("edited_ts") val editedTs: Long? = null,
    /** In history: the message was deleted (its body is ""). */
    val deleted: Boolean = false,
    /** In history: the message's reactions now, one per emoji. */
    val reactions: List<Reaction> = emptyList(),
) {
    val isMessage: Boolean get() = kind == "message"
}

/** `count` people reacted to a message with [emoji]; [users] are they, in the order they reacted. */
@Serializable
data class Reaction(val emoji: String, val count: Int, val users: List<User> = emptyList())

/** A file sent with a message: fetch it with `GET /api/attachments/<id>` (and `/thumbnail`). */
@Serializable
data class Attachment(
    val id: String,
    val name: String,
    /** Sniffed by the server from the bytes. */
    @SerialName("content_type") val contentType: String,
    val size: Long,
    val thumbnail: Boolean = false,
    val width: Int = 0,
    val height: Int = 0,
)

@Serializable
data class Conversation(
    val id: Long,
    /** `direct` or `group`. */
    val kind: String,
    val title: String = "",
    val members: List<User> = emptyList(),
    @SerialName("last_seq") val lastSeq: Long = 0,
    @SerialName("last_event") val lastEvent: Event? = null,
    @SerialName("read_seq") val readSeq: Long = 0,
) {
    val isDirect: Boolean get() = kind == "direct"
    val unread: Long get() = (lastSeq - readSeq).coerceAtLeast(0)

    /** What a list shows: the group title, or the other member's name for a direct conversation. */
    fun displayName(me: User?): String =
        if (isDirect) members.firstOrNull { it.id != me?.id }?.username ?: title else title
}

@Serializable
data class Position(val conversation: Long, @SerialName("last_seq") val lastSeq: Long)
