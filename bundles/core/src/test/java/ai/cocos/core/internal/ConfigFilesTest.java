package ai.cocos.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {
  private static final Map<String, String> ENV =
      Map.of("AGENT_GRPC_PORT", "7444", "EMPTY", "", "SECRET", "s3cr$t\\1");

  @Test
  void interpolatesLikeAShell() {
    assertEquals("7444", ConfigFiles.interpolate("${AGENT_GRPC_PORT:-7002}", ENV::get));
    assertEquals("7002", ConfigFiles.interpolate("${UNSET:-7002}", ENV::get));
    assertEquals("7002", ConfigFiles.interpolate("${EMPTY:-7002}", ENV::get));
    assertEquals("", ConfigFiles.interpolate("${UNSET}", ENV::get));
    assertEquals("a-7444-b", ConfigFiles.interpolate("a-${AGENT_GRPC_PORT}-b", ENV::get));
    // Replacement text is literal: no group references, no escapes.
    assertEquals("s3cr$t\\1", ConfigFiles.interpolate("${SECRET}", ENV::get));
  }

  @Test
  void readsPidsAndNamedFactoryConfigsAndDropsEmptyValues(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("ai.cocos.transport.grpc~agent.cfg"),
        "endpoint=agent\nhost=${AGENT_GRPC_HOST:-0.0.0.0}\nport=${AGENT_GRPC_PORT:-7002}\n");
    Files.writeString(dir.resolve("ai.cocos.core.deploy.cfg"), "dir=${AGENT_PLUGINS_DIR}\n");
    Files.writeString(dir.resolve("README.txt"), "ignored");

    var entries = ConfigFiles.read(dir, ENV::get);

    assertEquals(2, entries.size());
    var grpc = entries.get("ai.cocos.transport.grpc~agent");
    assertEquals("ai.cocos.transport.grpc", grpc.factoryPid());
    assertEquals("agent", grpc.name());
    assertEquals(Map.of("endpoint", "agent", "host", "0.0.0.0", "port", "7444"), grpc.properties());
    var deploy = entries.get("ai.cocos.core.deploy");
    assertNull(deploy.factoryPid());
    assertFalse(deploy.properties().containsKey("dir"), "an unset variable leaves the default");
  }

  @Test
  void aMissingFolderIsNoConfiguration(@TempDir Path dir) throws Exception {
    assertEquals(Map.of(), ConfigFiles.read(dir.resolve("nope"), ENV::get));
  }
}
