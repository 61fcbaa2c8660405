package dev.chatd.cli

import dev.chatd.client.protocol.Conversation
import dev.chatd.client.protocol.Event
import dev.chatd.client.protocol.User
import java.io.PrintStream
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter

/** Everything the client prints, one line at a time (lines from the socket and the prompt interleave). */
class Screen(private val out: PrintStream) {
    private val time = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault())

    @Synchronized
    fun line(text: String) {
        out.println(text)
        out.flush()
    }

    fun info(text: String) = line("-- $text")

    fun event(e: Event): String {
        val at = time.format(Instant.ofEpochMilli(e.ts))
        return when (e.kind) {
            "message" -> "[$at] ${e.sender.username}: ${e.body}"
            "created" -> "[$at] * ${e.sender.username} created ${if (e.body.isEmpty()) "the conversation" else "\"${e.body}\""}"
            "member_added" -> "[$at] * ${e.sender.username} added ${e.subject?.username}"
            "member_removed" -> "[$at] * ${e.sender.username} removed ${e.subject?.username}"
            "member_left" -> "[$at] * ${e.sender.username} left"
            else -> "[$at] * ${e.sender.username}: ${e.kind}"
        }
    }

    fun conversation(n: Int, c: Conversation, me: User?): String {
        val unread = if (c.unread > 0) " (${c.unread} unread)" else ""
        val last = c.lastEvent?.takeIf { it.isMessage }?.let { " - ${it.sender.username}: ${it.body.take(40)}" } ?: ""
        val kind = if (c.isDirect) "" else " [group]"
        return "  $n. ${c.displayName(me)}$kind$unread$last"
    }
}
