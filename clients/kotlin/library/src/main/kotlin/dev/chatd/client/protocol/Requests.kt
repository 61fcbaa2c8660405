package dev.chatd.client.protocol

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable

/**
 * Every request of docs/protocol.md section 5. The codec writes the subclass's [SerialName] as
 * `"type"`; null optional fields are left out.
 */
@Serializable
sealed class Request {
    abstract val id: String

    @Serializable @SerialName("hello")
    data class Hello(override val id: String, val version: Int = 1, val token: String? = null) : Request()

    @Serializable @SerialName("send")
    data class Send(
        override val id: String,
        val conversation: Long,
        @SerialName("client_msg_id") val clientMsgId: String,
        val body: String,
        /** Seq of the message this one replies to (docs/protocol.md, send). */
        @SerialName("reply_to") val replyTo: Long? = null,
        /** Ids from `POST /api/attachments`, at most 10; with them [body] may be "". */
        val attachments: List<String>? = null,
    ) : Request()

    @Serializable @SerialName("edit_message")
    data class EditMessage(
        override val id: String,
        val conversation: Long,
        @SerialName("client_msg_id") val clientMsgId: String,
        val target: Long,
        val body: String,
    ) : Request()

    @Serializable @SerialName("delete_message")
    data class DeleteMessage(
        override val id: String,
        val conversation: Long,
        @SerialName("client_msg_id") val clientMsgId: String,
        val target: Long,
    ) : Request()

    @Serializable @SerialName("react")
    data class React(
        override val id: String,
        val conversation: Long,
        @SerialName("client_msg_id") val clientMsgId: String,
        val target: Long,
        val emoji: String,
    ) : Request()

    @Serializable @SerialName("unreact")
    data class Unreact(
        override val id: String,
        val conversation: Long,
        @SerialName("client_msg_id") val clientMsgId: String,
        val target: Long,
        val emoji: String,
    ) : Request()

    @Serializable @SerialName("history")
    data class History(
        override val id: String,
        val conversation: Long,
        val before: Long? = null,
        val after: Long? = null,
        val limit: Int? = null,
    ) : Request()

    @Serializable @SerialName("sync")
    data class Sync(override val id: String, val positions: List<Position>) : Request()

    @Serializable @SerialName("open_direct")
    data class OpenDirect(override val id: String, val username: String) : Request()

    @Serializable @SerialName("create_group")
    data class CreateGroup(override val id: String, val title: String, val members: List<String>) : Request()

    /** Fields left null stay as they are. */
    @Serializable @SerialName("update_group")
    data class UpdateGroup(
        override val id: String,
        val conversation: Long,
        val title: String? = null,
        val description: String? = null,
        @SerialName("avatar_color") val avatarColor: String? = null,
        /** An avatar image id from `POST /api/avatars`, or "" to remove the image. */
        val avatar: String? = null,
    ) : Request()

    /** Your own avatar colour ("#rrggbb" or "") and image id (or ""); null stays as it is. */
    @Serializable @SerialName("set_profile")
    data class SetProfile(
        override val id: String,
        @SerialName("avatar_color") val avatarColor: String? = null,
        val avatar: String? = null,
    ) : Request()

    /** Profiles of one conversation's members, or (null) of all your contacts. */
    @Serializable @SerialName("get_profiles")
    data class GetProfiles(override val id: String, val conversation: Long? = null) : Request()

    /** `role`: `admin` or `member`. */
    @Serializable @SerialName("set_role")
    data class SetRole(override val id: String, val conversation: Long, val username: String, val role: String) :
        Request()

    @Serializable @SerialName("add_member")
    data class AddMember(override val id: String, val conversation: Long, val username: String) : Request()

    @Serializable @SerialName("remove_member")
    data class RemoveMember(override val id: String, val conversation: Long, val username: String) : Request()

    @Serializable @SerialName("leave")
    data class Leave(override val id: String, val conversation: Long) : Request()

    @Serializable @SerialName("typing")
    data class Typing(override val id: String, val conversation: Long) : Request()

    @Serializable @SerialName("read")
    data class Read(override val id: String, val conversation: Long, val seq: Long) : Request()

    /** One page; [cursor] is a previous reply's `next_cursor` (docs/protocol.md, list_conversations). */
    @Serializable @SerialName("list_conversations")
    data class ListConversations(override val id: String, val limit: Int? = null, val cursor: String? = null) : Request()

    @Serializable @SerialName("search_users")
    data class SearchUsers(override val id: String, val prefix: String, val limit: Int? = null) : Request()

    @Serializable @SerialName("search")
    data class Search(override val id: String, val query: String, val cursor: String? = null, val limit: Int? = null) :
        Request()

    @Serializable @SerialName("ping")
    data class Ping(override val id: String) : Request()
}
