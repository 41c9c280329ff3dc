package ai.cocos.manager;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What to start for one CVM. The manager has created the folders and files before it calls {@link
 * VmBackend#start}; the backend must not change them, and may add its own files under {@link
 * #vmDir()} (they are wiped with it when the VM is removed).
 *
 * <p>{@link #environment()} may hold secrets (cloud credentials): {@link #toString()} prints the
 * variable names only, and backends must not log the values.
 *
 * @param cvmId the CVM id (a UUID), also {@code AGENT_CVM_ID}, the {@code job-id} the agent sends
 * @param hostPort the host port the agent must be reachable on (QEMU: forwarded to the guest's
 *     agent port; host process: the agent listens on it directly)
 * @param vmDir the per-VM folder (mode 0700), owned by the manager
 * @param certsDir {@code vmDir/certs}: {@code cert.pem}, {@code key.pem}, {@code ca.pem} (mode
 *     0600, possibly empty); shared with a guest as {@code certs_share}
 * @param envDir {@code vmDir/env}: the file {@code environment} with {@link #environment()} as
 *     {@code KEY=VALUE} lines; shared with a guest as {@code env_share}
 * @param environment the agent's environment, exactly what {@code env/environment} holds
 * @param aaKbcParams the KBS parameters for a guest's kernel command line ({@code
 *     agent.aa_kbc_params=}), empty if none
 */
public record VmLaunch(
    String cvmId,
    int hostPort,
    Path vmDir,
    Path certsDir,
    Path envDir,
    Map<String, String> environment,
    String aaKbcParams) {
  /** Checks the values and copies the environment (sorted by name). */
  public VmLaunch {
    Objects.requireNonNull(cvmId, "cvmId");
    if (hostPort < 1 || hostPort > 65535) {
      throw new IllegalArgumentException("hostPort must be 1-65535, found " + hostPort);
    }
    Objects.requireNonNull(vmDir, "vmDir");
    Objects.requireNonNull(certsDir, "certsDir");
    Objects.requireNonNull(envDir, "envDir");
    environment =
        java.util.Collections.unmodifiableMap(
            new TreeMap<>(Objects.requireNonNull(environment, "environment")));
    Objects.requireNonNull(aaKbcParams, "aaKbcParams");
  }

  /**
   * Describes the launch without the environment's values.
   *
   * @return e.g. {@code VmLaunch[cvmId=..., hostPort=6100, vmDir=..., environment=[AGENT_CVM_ID,
   *     ...]]}
   */
  @Override
  public String toString() {
    return "VmLaunch[cvmId="
        + cvmId
        + ", hostPort="
        + hostPort
        + ", vmDir="
        + vmDir
        + ", environment="
        + environment.keySet()
        + ", aaKbcParams="
        + (aaKbcParams.isEmpty() ? "absent" : "present")
        + "]";
  }
}
