package ai.cocos.manager.internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The agent settings an operator gives every agent this manager starts, taken from the manager's
 * own environment: which runners run ({@code AGENT_RUNNERS}), the agent's limits, and the runners'
 * and TEE providers' settings. In a confidential VM these would be baked into the guest image; for
 * the agents the manager starts they travel in the agent's environment file (the 9P share a VM
 * mounts), so both backends get them the same way.
 *
 * <p>Only the names below pass: the manager's environment holds its own secrets (TLS keys, cloud
 * credentials) and the CLI-side {@code AGENT_GRPC_*} variables, none of which an agent may see.
 */
final class OperatorAgentSettings {
  /** Variables passed by exact name. */
  static final List<String> NAMES =
      List.of(
          "AGENT_RUNNERS",
          "AGENT_MAX_UPLOAD_BYTES",
          "AGENT_DISK_RESERVE_BYTES",
          "AGENT_RUN_TIMEOUT_SECONDS",
          "AGENT_RESULTS_TTL_SECONDS",
          "AGENT_MAX_UNZIP_BYTES",
          "AGENT_MAX_UNZIP_ENTRIES",
          "AGENT_AUTH_LEGACY",
          "AGENT_AUTH_MAX_SKEW",
          "AGENT_ALLOW_PLAINTEXT",
          "AGENT_MANIFEST_OWNER_KEY");

  /** Variables passed by prefix: the settings of runners and TEE providers. */
  static final List<String> PREFIXES =
      List.of("AGENT_PYTHON_", "AGENT_WASM_", "AGENT_DOCKER_", "AGENT_EMULATED_", "AGENT_TEE_");

  private OperatorAgentSettings() {}

  /**
   * Picks the operator's agent settings out of an environment.
   *
   * @param environment the manager's environment
   * @return the settings to give every agent, sorted by name
   * @throws IllegalArgumentException naming the variable whose value holds a line break (it would
   *     add variables of its own to the agent's environment file)
   */
  static Map<String, String> from(Map<String, String> environment) {
    Map<String, String> picked = new TreeMap<>();
    for (Map.Entry<String, String> e : environment.entrySet()) {
      String name = e.getKey();
      if (NAMES.contains(name) || PREFIXES.stream().anyMatch(name::startsWith)) {
        if (!Text.oneLine(e.getValue())) {
          throw new IllegalArgumentException(
              name + " must not contain line breaks or NUL characters");
        }
        picked.put(name, e.getValue());
      }
    }
    return picked;
  }
}
