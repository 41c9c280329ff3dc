package ai.cocos.core.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PluginTableTest {
  @Test
  void aFailureIsReportedByTheComponentsOwnExceptionNotTheWrapper() {
    String scr =
        "java.lang.reflect.InvocationTargetException\n"
            + "\tat java.base/jdk.internal.reflect.Foo.bar(Foo.java:1)\n"
            + "Caused by: ai.cocos.X: gRPC endpoint 'manager': cannot read /nonexistent.pem\n"
            + "\tat x.Y.z(Y.java:2)\n"
            + "Caused by: java.nio.file.NoSuchFileException: /nonexistent.pem\n"
            + "\t... 12 more\n";
    assertEquals(
        "ai.cocos.X: gRPC endpoint 'manager': cannot read /nonexistent.pem",
        PluginTable.firstLine(scr));
    assertEquals("java.lang.Exception: plain", PluginTable.firstLine("java.lang.Exception: plain"));
  }
}
