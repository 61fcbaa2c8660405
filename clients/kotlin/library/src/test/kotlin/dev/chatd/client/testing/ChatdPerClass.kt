package dev.chatd.client.testing

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance

/** One chatd (private database, free port, [chatdArgs] added to its command line) shared by the tests of a class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ChatdPerClass(chatdArgs: List<String> = emptyList()) {
    protected val chatd = Chatd(extraArgs = chatdArgs)

    @BeforeAll
    fun startChatd() {
        chatd.start()
    }

    @AfterAll
    open fun stopChatd() = chatd.close()
}
