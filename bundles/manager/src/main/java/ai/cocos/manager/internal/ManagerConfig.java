package ai.cocos.manager.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the manager (PID {@code ai.cocos.manager}). {@code manager-app} maps CocosAI's
 * environment variables onto it ({@code conf/ai.cocos.manager.cfg}).
 */
@ObjectClassDefinition(
    name = "Cocos manager",
    description =
        "Creates and removes CVMs (agents) for computations registered with the manager, and"
            + " serves the agents' CVMS streams.")
public @interface ManagerConfig {
  /**
   * How agents are run ({@code MANAGER_BACKEND}): {@code process} starts the agent assembly as a
   * host process (no isolation: development, tests, hosts that are themselves confidential VMs);
   * {@code qemu} boots a confidential VM per CVM ({@link QemuConfig}, PID {@code
   * ai.cocos.manager.qemu}).
   *
   * @return {@code process} or {@code qemu}
   */
  @AttributeDefinition(description = "VM backend: process (host process) or qemu (a VM per CVM)")
  String backend() default "process";

  /**
   * The agent assembly the host-process backend starts ({@code MANAGER_AGENT_ASSEMBLY}).
   *
   * @return a folder such as {@code agent-app/target/assembly}; empty makes {@code CreateVm} fail
   *     saying so
   */
  @AttributeDefinition(
      description = "Agent assembly folder (agent-app/target/assembly) the process backend starts")
  String agentAssembly() default "";

  /**
   * Where the manager keeps VM folders and records and its computations ({@code
   * MANAGER_STATE_DIR}).
   *
   * @return a folder; empty means {@code cocos-manager} under {@code java.io.tmpdir}
   */
  @AttributeDefinition(description = "State folder; empty = cocos-manager under java.io.tmpdir")
  String stateDir() default "";

  /**
   * The most VMs at once ({@code MANAGER_MAX_VMS}).
   *
   * @return the limit; 0 for none
   */
  @AttributeDefinition(description = "Most VMs at once; 0 = no limit", min = "0")
  int maxVms() default 10;

  /**
   * The host ports VMs get ({@code MANAGER_QEMU_HOST_FWD_RANGE}).
   *
   * @return {@code FIRST-LAST}
   */
  @AttributeDefinition(description = "Host port range FIRST-LAST for the agents' ports")
  String hostFwdRange() default "6100-6200";

  /**
   * Reported by {@code CVMInfo} ({@code MANAGER_QEMU_OVMF_VERSION}).
   *
   * @return e.g. {@code edk2-stable202408}
   */
  @AttributeDefinition(description = "OVMF version CVMInfo reports")
  String ovmfVersion() default "";

  /**
   * The QEMU backend's virtual CPU count, which {@code CVMInfo} reports ({@code
   * MANAGER_QEMU_SMP_COUNT}).
   *
   * @return the number of virtual CPUs
   */
  @AttributeDefinition(description = "QEMU virtual CPU count (CVMInfo reports it)", min = "1")
  int smpCount() default 4;

  /**
   * The QEMU backend's CPU model, which {@code CVMInfo} reports ({@code MANAGER_QEMU_CPU}; the
   * process backend reports {@code host-process}).
   *
   * @return the CPU model; empty for CocosAI's {@code EPYC} under KVM and {@code max} under TCG
   *     emulation
   */
  @AttributeDefinition(
      description = "QEMU CPU model; empty = EPYC under KVM, max under TCG (CVMInfo reports it)")
  String cpu() default "";

  /**
   * Reported by {@code CVMInfo} ({@code MANAGER_EOS_VERSION}).
   *
   * @return the guest image version
   */
  @AttributeDefinition(description = "EOS (guest image) version CVMInfo reports")
  String eosVersion() default "";

  /**
   * The computation owner's public key ({@code MANAGER_OWNER_KEY}): when set, a manifest is
   * registered only with a valid owner signature. A key that does not parse stops the manager from
   * starting rather than accepting unsigned manifests.
   *
   * @return PEM text ({@code -----BEGIN PUBLIC KEY-----...}) or the path of a PEM file; empty
   *     accepts manifests signed or not
   */
  @AttributeDefinition(
      description = "Owner public key (PEM text or file); when set, manifests must be signed")
  String ownerKey() default "";

  /**
   * Events and log lines kept per computation ({@code MANAGER_MAX_EVENTS}); older ones are dropped
   * and counted.
   *
   * @return the limit
   */
  @AttributeDefinition(description = "Events and log lines kept per computation", min = "1")
  int maxEvents() default 10_000;

  /**
   * Whether stopping the manager removes every VM ({@code MANAGER_STOP_AGENTS_ON_SHUTDOWN}).
   * CocosAI leaves VMs running, and so does the default: a restarted manager re-attaches to them.
   *
   * @return {@code true} to stop the agents and wipe their folders on shutdown
   */
  @AttributeDefinition(description = "Remove every VM when the manager stops")
  boolean stopAgentsOnShutdown() default false;

  /**
   * How long an agent may take to end when its VM is removed ({@code MANAGER_STOP_GRACE_MILLIS}):
   * the process backend sends SIGTERM, the QEMU backend an ACPI power-down, then ends it forcibly.
   *
   * @return milliseconds (CocosAI: 30 s)
   */
  @AttributeDefinition(
      description = "Milliseconds an agent may take to stop before SIGKILL",
      min = "0")
  long stopGraceMillis() default 30_000;
}
