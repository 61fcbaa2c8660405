package dev.chatd.client.testing

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance

/** One chatd (private database, free port) shared by the tests of a class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ChatdPerClass {
    protected val chatd = Chatd()

    @BeforeAll
    fun startChatd() {
        chatd.start()
    }

    @AfterAll
    open fun stopChatd() = chatd.close()
}
