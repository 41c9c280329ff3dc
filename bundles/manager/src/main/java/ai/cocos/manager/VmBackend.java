package ai.cocos.manager;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Starts agents for the manager: one implementation per way of running them (host processes, or one
 * QEMU confidential VM per CVM; {@code MANAGER_BACKEND} chooses).
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #start} starts exactly one agent with exactly {@link VmLaunch#environment()} (plus
 *       what the backend needs to place it, such as its listen address), never the manager's own
 *       environment, which may hold secrets. It returns once the agent has been started, not once
 *       it is ready.
 *   <li>The agent must be reachable on {@link VmLaunch#hostPort()} of the host.
 *   <li>Thread-safe: the manager may start, stop and re-attach several VMs at once.
 *   <li>Never log {@link VmLaunch#environment()} values or the files in {@link
 *       VmLaunch#certsDir()}.
 * </ul>
 */
@ConsumerType
public interface VmBackend {
  /**
   * The backend's name, recorded with each VM so a restarted manager re-attaches with the same
   * backend.
   *
   * @return e.g. {@code process} or {@code qemu}
   */
  String name();

  /**
   * The CPU model this backend's VMs run on, when the backend rather than the configuration decides
   * it ({@code CVMInfoRes.cpu_type}).
   *
   * @return e.g. {@code host-process}; empty to report the configured {@code MANAGER_QEMU_CPU}
   */
  default Optional<String> cpuType() {
    return Optional.empty();
  }

  /**
   * The folder the agent sees {@link VmLaunch#certsDir()} as, for the certificate paths in its
   * environment ({@code AGENT_CVM_GRPC_CLIENT_CERT} and the like).
   *
   * @param certsDir the folder on the host
   * @return the host folder itself (host process), or e.g. {@code /etc/certs} (a 9P mount in a
   *     guest)
   */
  default String agentCertsDir(Path certsDir) {
    return certsDir.toString();
  }

  /**
   * The address an agent dials to reach the manager's CVMS endpoint, used for {@code
   * AGENT_CVM_GRPC_URL} when {@code CreateReq.agent_cvm_server_url} is empty.
   *
   * @param endpoint the manager endpoint's bound address
   * @return {@code host:port} as the agent sees the manager; by default the bound address, with a
   *     wildcard address replaced by the loopback address (an agent on the same host)
   */
  default String cvmsAddress(InetSocketAddress endpoint) {
    InetAddress address = endpoint.getAddress();
    String host;
    if (address == null) {
      host = endpoint.getHostString();
    } else if (address.isAnyLocalAddress()) {
      host = "127.0.0.1";
    } else if (address instanceof Inet6Address) {
      host = "[" + address.getHostAddress() + "]";
    } else {
      host = address.getHostAddress();
    }
    return host + ":" + endpoint.getPort();
  }

  /**
   * Starts an agent.
   *
   * @param launch what to start
   * @return the running agent
   * @throws VmBackendException if it cannot be started, saying why (the manager then removes the
   *     per-VM folder and releases the port)
   */
  VmInstance start(VmLaunch launch) throws VmBackendException;

  /**
   * Finds an agent again after a manager restart.
   *
   * @param launch the VM as it was started
   * @param state what {@link VmInstance#state()} returned then
   * @return the agent, if it still runs; empty if it has ended (the manager then cleans up)
   */
  Optional<VmInstance> reattach(VmLaunch launch, Map<String, String> state);
}
