package ai.cocos.manager.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorAgentSettingsTest {
  @Test
  void onlyTheOperatorsAgentSettingsPass() {
    Map<String, String> picked =
        OperatorAgentSettings.from(
            Map.of(
                "AGENT_RUNNERS", "wasm,python",
                "AGENT_PYTHON_WHEELHOUSE", "/srv/wheels",
                "AGENT_DISK_RESERVE_BYTES", "1024",
                "AGENT_GRPC_URL", "localhost:7002",
                "AGENT_GRPC_CLIENT_KEY", "/home/me/key.pem",
                "MANAGER_GRPC_SERVER_KEY", "/etc/cocos/key.pem",
                "AWS_SECRET_ACCESS_KEY", "secret",
                "PATH", "/usr/bin"));
    assertEquals(
        Map.of(
            "AGENT_RUNNERS", "wasm,python",
            "AGENT_PYTHON_WHEELHOUSE", "/srv/wheels",
            "AGENT_DISK_RESERVE_BYTES", "1024"),
        picked);
  }

  @Test
  void aLineBreakCannotAddVariablesToTheAgentsEnvironmentFile() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                OperatorAgentSettings.from(Map.of("AGENT_RUNNERS", "bin\nAGENT_AUTH_LEGACY=true")));
    assertTrue(
        e.getMessage().startsWith("AGENT_RUNNERS must not contain line breaks"), e.getMessage());
  }
}
