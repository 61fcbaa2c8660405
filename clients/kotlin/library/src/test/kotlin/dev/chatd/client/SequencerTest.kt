package dev.chatd.client

import dev.chatd.client.protocol.Event
import dev.chatd.client.protocol.User
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class SequencerTest {
    private fun ev(c: Long, seq: Long) = Event(c, seq, "$c-$seq", "message", User(1, "alice"), "m$seq", null, "b$seq", seq)

    @Test
    fun `in order events pass, duplicates are dropped`() {
        val s = Sequencer()
        assertEquals(listOf(1L), s.offer(ev(7, 1)).ready.map { it.seq })
        assertEquals(listOf(2L), s.offer(ev(7, 2)).ready.map { it.seq })
        assertTrue(s.offer(ev(7, 2)).ready.isEmpty())
        assertTrue(s.offer(ev(7, 1)).ready.isEmpty())
        assertEquals(2, s.position(7))
    }

    @Test
    fun `a gap is buffered, reported, and released in order once filled`() {
        val s = Sequencer()
        s.offer(ev(3, 1))
        val early = s.offer(ev(3, 4))
        assertTrue(early.ready.isEmpty())
        assertEquals(1, early.gapAfter)
        assertTrue(s.hasGap(3))
        s.offer(ev(3, 5))
        assertEquals(listOf(2L), s.offer(ev(3, 2)).ready.map { it.seq })
        val closed = s.offer(ev(3, 3))
        assertEquals(listOf(3L, 4L, 5L), closed.ready.map { it.seq })
        assertNull(closed.gapAfter)
        assertFalse(s.hasGap(3))
        assertEquals(5, s.position(3))
    }

    @Test
    fun `conversations are independent and seeds never move backwards`() {
        val s = Sequencer()
        s.seed(1, 10)
        s.seed(1, 4)
        assertEquals(10, s.position(1))
        assertTrue(s.offer(ev(1, 10)).ready.isEmpty())
        assertEquals(listOf(11L), s.offer(ev(1, 11)).ready.map { it.seq })
        assertEquals(listOf(1L), s.offer(ev(2, 1)).ready.map { it.seq })
        assertEquals(mapOf(1L to 11L, 2L to 1L), s.positions())
    }

    @Test
    fun `a duplicate of a buffered event is harmless`() {
        val s = Sequencer()
        s.offer(ev(9, 3))
        s.offer(ev(9, 3))
        s.offer(ev(9, 1))
        assertEquals(listOf(2L, 3L), s.offer(ev(9, 2)).ready.map { it.seq })
    }
}
