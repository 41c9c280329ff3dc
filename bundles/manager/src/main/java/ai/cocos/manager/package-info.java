/**
 * The manager's VM-backend SPI: how the manager starts an agent for one CVM and follows it.
 *
 * <p>The manager ({@code ManagerService.CreateVm}) decides everything that does not depend on how
 * the agent is run: the CVM id, the host port, the per-VM folder with the agent's certificates
 * ({@code certs/cert.pem}, {@code key.pem}, {@code ca.pem}) and environment ({@code
 * env/environment}), the time-to-live and the computation the agent will receive. A {@link
 * ai.cocos.manager.VmBackend} only turns that {@link ai.cocos.manager.VmLaunch} into a running
 * agent ({@link ai.cocos.manager.VmInstance}): the process backend starts the agent assembly as a
 * host process; the QEMU backend boots a confidential VM sharing the two folders over 9P and
 * forwarding the host port to the agent's.
 */
@Version("1.0.0")
package ai.cocos.manager;

import org.osgi.annotation.versioning.Version;
