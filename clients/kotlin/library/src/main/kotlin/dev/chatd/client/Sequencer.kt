package dev.chatd.client

import dev.chatd.client.protocol.Event
import java.util.TreeMap

/**
 * Per-conversation ordering: turns events that may arrive twice (sync replay, history fills, a
 * resent frame after a reconnect) or early (a gap) into one stream per conversation in which every
 * seq appears exactly once, consecutively. Pure logic; not thread-safe (the client confines it).
 */
class Sequencer(private val maxBuffered: Int = 10_000) {
    private val received = HashMap<Long, Long>()
    private val buffered = HashMap<Long, TreeMap<Long, Event>>()

    /** What [offer] did with an event. */
    data class Result(
        /** Events now in order, to hand to the app (possibly several when a gap closed). */
        val ready: List<Event>,
        /** Set when events are missing below a buffered one: fetch `history` after this seq. */
        val gapAfter: Long?,
    )

    fun position(conversation: Long): Long = received[conversation] ?: 0

    fun positions(): Map<Long, Long> = received.toMap()

    /** Start [conversation] at [seq] (from the store). Never moves a position backwards. */
    fun seed(conversation: Long, seq: Long) {
        if (seq > position(conversation)) received[conversation] = seq
    }

    /** True when events of [conversation] beyond its position are waiting for a gap to fill. */
    fun hasGap(conversation: Long): Boolean = buffered[conversation]?.isNotEmpty() == true

    fun offer(event: Event): Result {
        val c = event.conversation
        val at = position(c)
        if (event.seq <= at) return Result(emptyList(), null)
        if (event.seq > at + 1) {
            val waiting = buffered.getOrPut(c) { TreeMap() }
            if (waiting.size < maxBuffered) waiting[event.seq] = event
            return Result(emptyList(), at)
        }
        val ready = mutableListOf(event)
        var next = event.seq
        val waiting = buffered[c]
        if (waiting != null) {
            while (waiting.isNotEmpty() && waiting.firstKey() <= next + 1) {
                val e = waiting.pollFirstEntry().value
                if (e.seq == next + 1) {
                    ready += e
                    next = e.seq
                }
            }
            if (waiting.isEmpty()) buffered.remove(c)
        }
        received[c] = next
        return Result(ready, if (hasGap(c)) next else null)
    }
}
