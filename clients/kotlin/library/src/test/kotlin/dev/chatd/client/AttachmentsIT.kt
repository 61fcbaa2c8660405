package dev.chatd.client

import dev.chatd.client.testing.ChatdPerClass
import dev.chatd.client.testing.TestClient
import dev.chatd.client.testing.eventually
import dev.chatd.client.testing.ok
import dev.chatd.client.testing.register
import dev.chatd.client.testing.uniqueName
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.io.File
import javax.imageio.ImageIO

/**
 * Upload over HTTP and send it: the other member gets the attachment in the event and downloads it
 * (and an image's thumbnail); a non-member is refused; an image cut short is refused with 415; a
 * file over the server's limit with 413.
 */
class AttachmentsIT : ChatdPerClass(listOf("--max-attachment-bytes", "400000")) {

    private fun png(width: Int, height: Int): ByteArray {
        val img = BufferedImage(width, height, BufferedImage.TYPE_INT_RGB)
        for (y in 0 until height) for (x in 0 until width) img.setRGB(x, y, (x * 255 / width shl 16) or (y * 255 / height shl 8) or 128)
        return ByteArrayOutputStream().also { ImageIO.write(img, "png", it) }.toByteArray()
    }

    @Test
    fun `an uploaded image and file are sent, received and downloaded by members only`() = runBlocking {
        val aliceName = uniqueName("alice")
        val bobName = uniqueName("bob")
        val carolName = uniqueName("carol")
        val alice = register(chatd.baseUrl, aliceName)
        val bob = register(chatd.baseUrl, bobName)
        val carol = register(chatd.baseUrl, carolName)
        TestClient(chatd.baseUrl, Credentials.Bearer(alice.token)).use { a ->
            TestClient(chatd.baseUrl, Credentials.Bearer(bob.token)).use { b ->
                TestClient(chatd.baseUrl, Credentials.Bearer(carol.token)).use { c ->
                    assertTrue(eventually { a.client.state.value is ConnectionState.Connected })
                    assertTrue(eventually { b.client.state.value is ConnectionState.Connected })
                    val conv = a.client.openDirect(bobName).ok("open_direct").id
                    val image = png(400, 300)
                    val photo = a.client.uploadAttachment(image, "photo 東京.png").ok("upload")
                    assertEquals("image/png", photo.contentType)
                    assertEquals("photo 東京.png", photo.name)
                    assertTrue(photo.thumbnail)
                    assertEquals(400, photo.width)
                    // A file streamed from disk; its type is sniffed, whatever its name says.
                    val notes = File.createTempFile("notes", ".png").apply { writeText("plain notes\n"); deleteOnExit() }
                    val text = a.client.uploadAttachment(notes, "notes.png").ok("upload file")
                    assertEquals("text/plain", text.contentType)

                    val item = a.client.send(conv, "", attachments = listOf(photo.id, text.id))
                    val seq = a.client.awaitAck(item.clientMsgId).ok("ack").seq
                    assertTrue(eventually { b.messages(conv).any { it.seq == seq } })
                    val got = b.messages(conv).first { it.seq == seq }
                    assertEquals(listOf(photo.id, text.id), got.attachments.map { it.id })
                    assertArrayEquals(image, b.client.downloadAttachment(photo.id).ok("download"))
                    val thumb = b.client.downloadAttachment(photo.id, thumbnail = true).ok("thumbnail")
                    assertTrue(thumb.size in 4 until image.size)
                    assertEquals(0xFF.toByte(), thumb[0]) // a JPEG
                    // Carol is in no conversation with it.
                    val refused = c.client.downloadAttachment(photo.id).errorOrNull() as ChatError.Http
                    assertEquals(403, refused.status)
                    assertEquals("forbidden", refused.code)

                    // sendFile: upload and queue in one call; a reply at the same time.
                    val queued = b.client.sendFile(conv, "bob's bytes".toByteArray(), "b.txt", body = "here", replyTo = seq).ok("sendFile")
                    val bobSeq = b.client.awaitAck(queued.clientMsgId).ok("ack").seq
                    assertTrue(eventually { a.messages(conv).any { it.seq == bobSeq && it.replyTo == seq && it.attachments.size == 1 } })
                }
            }
        }
    }

    @Test
    fun `an image cut short is refused with 415 and a file over the limit with 413`() = runBlocking {
        val alice = register(chatd.baseUrl, uniqueName("alice"))
        TestClient(chatd.baseUrl, Credentials.Bearer(alice.token)).use { a ->
            val image = png(300, 200)
            val cut = a.client.uploadAttachment(image.copyOf(image.size / 2), "cut.png").errorOrNull() as ChatError.Http
            assertEquals(415, cut.status)
            assertEquals("unsupported_media_type", cut.code)
            assertFalse(cut.retryable)
            val big = a.client.uploadAttachment(ByteArray(400_001) { 'x'.code.toByte() }, "big.bin").errorOrNull() as ChatError.Http
            assertEquals(413, big.status)
            assertEquals("body_too_large", big.code)
        }
    }
}
