package ai.cocos.manager.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the QEMU VM backend (PID {@code ai.cocos.manager.qemu}), used when {@link
 * ManagerConfig#backend()} is {@code qemu}. {@code manager-app} maps CocosAI's {@code
 * MANAGER_QEMU_*} variables onto it ({@code conf/ai.cocos.manager.qemu.cfg}); the defaults are
 * CocosAI's (reference §5.2) except where noted. The CPU model, the CPU count and the host port
 * range are the manager's settings ({@link ManagerConfig#cpu()}, {@link ManagerConfig#smpCount()},
 * {@link ManagerConfig#hostFwdRange()}), as {@code CVMInfo} reports them too.
 */
@ObjectClassDefinition(
    name = "Cocos manager: QEMU backend",
    description =
        "How the manager boots a confidential VM per CVM with QEMU (MANAGER_BACKEND=qemu).")
public @interface QemuConfig {
  /**
   * The QEMU binary ({@code MANAGER_QEMU_BIN_PATH}).
   *
   * @return a path, or a name looked up on {@code PATH}
   */
  @AttributeDefinition(description = "QEMU binary (path or name on PATH)")
  String binPath() default "qemu-system-x86_64";

  /**
   * Whether VMs run under KVM ({@code MANAGER_QEMU_ENABLE_KVM}). CocosAI's default is {@code true};
   * here {@code auto} boots the firmware under KVM once and uses KVM only if it prints within a few
   * seconds (a {@code /dev/kvm} that exists but hangs its guests is common in nested VMs).
   *
   * @return {@code auto}, {@code true} or {@code false} (TCG emulation)
   */
  @AttributeDefinition(description = "auto (probe once), true (KVM) or false (TCG)")
  String enableKvm() default "auto";

  /**
   * How TCG runs the virtual CPUs when KVM is not used ({@code MANAGER_QEMU_TCG_THREAD}; not in
   * CocosAI): {@code single} runs them all on one host thread, {@code multi} one thread each. The
   * default is {@code single}: Debian's QEMU 7.2 (before 8.1's "accel/tcg: Always lock pages before
   * translation") can run stale translations of kernel code that another virtual CPU is patching,
   * and the guest kernel then crashes (seen here: an oops in {@code inet_ehashfn} on the agent's
   * first connection, which flips a static key, with two CPUs).
   *
   * @return {@code single} or {@code multi}
   */
  @AttributeDefinition(description = "TCG threads: single (safe with QEMU < 8.1) or multi")
  String tcgThread() default "single";

  /**
   * Which confidential-computing technology VMs use ({@code MANAGER_QEMU_TEE}; CocosAI always
   * detects it).
   *
   * @return {@code auto} (SEV-SNP or TDX when the host offers it, as CocosAI detects them), {@code
   *     none}, {@code snp} or {@code tdx}
   */
  @AttributeDefinition(description = "auto, none, snp or tdx")
  String tee() default "auto";

  /**
   * The machine type ({@code MANAGER_QEMU_MACHINE}).
   *
   * @return e.g. {@code q35}
   */
  @AttributeDefinition(description = "QEMU machine type")
  String machine() default "q35";

  /**
   * The most CPUs a VM may hot-plug ({@code MANAGER_QEMU_SMP_MAXCPUS}).
   *
   * @return the count
   */
  @AttributeDefinition(description = "-smp maxcpus", min = "1")
  int smpMaxcpus() default 64;

  /**
   * The memory backend's id for SEV-SNP and TDX ({@code MANAGER_QEMU_MEM_ID}).
   *
   * @return an id
   */
  @AttributeDefinition(description = "Memory backend id (SEV-SNP, TDX)")
  String memId() default "ram1";

  /**
   * Guest memory ({@code MANAGER_QEMU_MEMORY_SIZE}).
   *
   * @return a QEMU size, e.g. {@code 2048M}
   */
  @AttributeDefinition(description = "Guest memory, e.g. 2048M")
  String memorySize() default "2048M";

  /**
   * Memory hot-plug slots ({@code MANAGER_QEMU_MEMORY_SLOTS}).
   *
   * @return the count
   */
  @AttributeDefinition(description = "Memory slots", min = "0")
  int memorySlots() default 5;

  /**
   * The most memory a VM may hot-plug ({@code MANAGER_QEMU_MAX_MEMORY}).
   *
   * @return a QEMU size
   */
  @AttributeDefinition(description = "Maximum memory, e.g. 30G")
  String maxMemory() default "30G";

  /**
   * {@code MANAGER_QEMU_OVMF_CODE_IF}.
   *
   * @return the drive interface of the firmware code
   */
  @AttributeDefinition(description = "OVMF code drive interface")
  String ovmfCodeIf() default "pflash";

  /**
   * {@code MANAGER_QEMU_OVMF_CODE_FORMAT}.
   *
   * @return the drive format of the firmware code
   */
  @AttributeDefinition(description = "OVMF code drive format")
  String ovmfCodeFormat() default "raw";

  /**
   * {@code MANAGER_QEMU_OVMF_CODE_UNIT}.
   *
   * @return the drive unit of the firmware code
   */
  @AttributeDefinition(description = "OVMF code drive unit", min = "0")
  int ovmfCodeUnit() default 0;

  /**
   * The UEFI firmware code of VMs without SEV-SNP or TDX ({@code MANAGER_QEMU_OVMF_CODE_FILE}).
   *
   * @return a file
   */
  @AttributeDefinition(description = "OVMF code file (VMs without SEV-SNP/TDX)")
  String ovmfCodeFile() default "/usr/share/OVMF/OVMF_CODE.fd";

  /**
   * {@code MANAGER_QEMU_OVMF_CODE_READONLY}.
   *
   * @return {@code on} or {@code off}
   */
  @AttributeDefinition(description = "OVMF code read-only (on/off)")
  String ovmfCodeReadonly() default "on";

  /**
   * {@code MANAGER_QEMU_OVMF_VARS_IF}.
   *
   * @return the drive interface of the firmware variables
   */
  @AttributeDefinition(description = "OVMF vars drive interface")
  String ovmfVarsIf() default "pflash";

  /**
   * {@code MANAGER_QEMU_OVMF_VARS_FORMAT}.
   *
   * @return the drive format of the firmware variables
   */
  @AttributeDefinition(description = "OVMF vars drive format")
  String ovmfVarsFormat() default "raw";

  /**
   * {@code MANAGER_QEMU_OVMF_VARS_UNIT}.
   *
   * @return the drive unit of the firmware variables
   */
  @AttributeDefinition(description = "OVMF vars drive unit", min = "0")
  int ovmfVarsUnit() default 1;

  /**
   * The UEFI variable store template, copied into each VM's folder ({@code
   * MANAGER_QEMU_OVMF_VARS_FILE}).
   *
   * @return a file
   */
  @AttributeDefinition(description = "OVMF vars template, copied per VM")
  String ovmfVarsFile() default "/usr/share/OVMF/OVMF_VARS.fd";

  /**
   * The user-network id, suffixed with {@code -<cvm id>} ({@code MANAGER_QEMU_NETDEV_ID}).
   *
   * @return an id
   */
  @AttributeDefinition(description = "Netdev id prefix")
  String netdevId() default "vmnic";

  /**
   * The guest port the host port is forwarded to: the agent's port inside the image ({@code
   * MANAGER_QEMU_GUEST_FWD_AGENT}).
   *
   * @return the port
   */
  @AttributeDefinition(description = "Guest port of the agent", min = "1", max = "65535")
  int guestFwdAgent() default 7002;

  /**
   * {@code MANAGER_QEMU_VIRTIO_NET_PCI_DISABLE_LEGACY}.
   *
   * @return {@code on} or {@code off}
   */
  @AttributeDefinition(description = "virtio-net-pci disable-legacy")
  String virtioNetPciDisableLegacy() default "on";

  /**
   * {@code MANAGER_QEMU_VIRTIO_NET_PCI_IOMMU_PLATFORM}.
   *
   * @return {@code true} or {@code false}
   */
  @AttributeDefinition(description = "virtio-net-pci iommu_platform")
  String virtioNetPciIommuPlatform() default "true";

  /**
   * {@code MANAGER_QEMU_VIRTIO_NET_PCI_ADDR}.
   *
   * @return a PCI slot
   */
  @AttributeDefinition(description = "virtio-net-pci addr")
  String virtioNetPciAddr() default "0x2";

  /**
   * {@code MANAGER_QEMU_VIRTIO_NET_PCI_ROMFILE}.
   *
   * @return a ROM file; empty for none (no network boot)
   */
  @AttributeDefinition(description = "virtio-net-pci romfile (empty: none)")
  String virtioNetPciRomfile() default "";

  /**
   * The guest kernel ({@code MANAGER_QEMU_DISK_IMG_KERNEL_FILE}). Unlike CocosAI's {@code
   * img/bzImage}, the default is the EOS image this checkout builds ({@code bin/cocos-manager}
   * makes it absolute). Empty, with an empty {@link #diskImgRootfsFile()}, boots the firmware
   * alone.
   *
   * @return a bzImage
   */
  @AttributeDefinition(description = "Guest kernel (bzImage); empty = firmware only")
  String diskImgKernelFile() default "eos/target/eos/bzImage";

  /**
   * The guest initramfs ({@code MANAGER_QEMU_DISK_IMG_ROOTFS_FILE}).
   *
   * @return a {@code cpio.gz}
   */
  @AttributeDefinition(description = "Guest initramfs (rootfs.cpio.gz)")
  String diskImgRootfsFile() default "eos/target/eos/rootfs.cpio.gz";

  /**
   * The kernel command line ({@code MANAGER_QEMU_KERNEL_CMDLINE}). It must be the same for every VM
   * of an image, as the firmware measures it (PCR 9); per-VM data goes through the {@code
   * env_share}. Empty: the one the EOS build recorded ({@code kernel_cmdline} in {@code
   * eos-measurements.json} next to the kernel), else {@code console=ttyS0 quiet panic=-1}.
   *
   * @return the command line, or empty for the image's own
   */
  @AttributeDefinition(description = "Kernel command line; empty = the EOS image's")
  String kernelCmdline() default "";

  /**
   * Whether VMs boot from a per-VM copy of a disk image instead of a kernel ({@code
   * MANAGER_QEMU_ENABLE_DISK}).
   *
   * @return {@code true} for disk mode
   */
  @AttributeDefinition(description = "Boot a per-VM copy of SRC_DISK_FILE instead of a kernel")
  boolean enableDisk() default false;

  /**
   * The disk image copied per VM ({@code MANAGER_QEMU_SRC_DISK_FILE}).
   *
   * @return a qcow2 file
   */
  @AttributeDefinition(description = "Source disk image (qcow2)")
  String srcDiskFile() default "img/enc_os.qcow2";

  /**
   * {@code MANAGER_QEMU_DISK_ID}.
   *
   * @return the disk drive id
   */
  @AttributeDefinition(description = "Disk drive id")
  String diskId() default "disk0";

  /**
   * The format of the per-VM disk copy ({@code MANAGER_QEMU_DISK_FORMAT}).
   *
   * @return e.g. {@code qcow2} or {@code raw}
   */
  @AttributeDefinition(description = "Per-VM disk format")
  String diskFormat() default "qcow2";

  /**
   * {@code MANAGER_QEMU_DISK_SCSI_ID}.
   *
   * @return the SCSI controller id
   */
  @AttributeDefinition(description = "SCSI controller id")
  String diskScsiId() default "scsi0";

  /**
   * The SEV-SNP guest object's id, suffixed with {@code -<cvm id>} ({@code
   * MANAGER_QEMU_SEV_SNP_ID}).
   *
   * @return an id
   */
  @AttributeDefinition(description = "SEV-SNP object id prefix")
  String sevSnpId() default "sev0";

  /**
   * {@code MANAGER_QEMU_SEV_SNP_CBIT_POS}.
   *
   * @return the C-bit position
   */
  @AttributeDefinition(description = "SEV-SNP cbitpos")
  int sevSnpCbitPos() default 51;

  /**
   * {@code MANAGER_QEMU_SEV_SNP_REDUCED_PHYS_BITS}.
   *
   * @return the reduced physical address bits
   */
  @AttributeDefinition(description = "SEV-SNP reduced-phys-bits")
  int sevSnpReducedPhysBits() default 1;

  /**
   * Whether SEV-SNP VMs get {@link #hostData()} ({@code MANAGER_QEMU_ENABLE_HOST_DATA}).
   *
   * @return {@code true} to pass it
   */
  @AttributeDefinition(description = "Pass HOST_DATA to SEV-SNP VMs")
  boolean enableHostData() default false;

  /**
   * The SEV-SNP host data, 32 bytes in base64, which the attestation report carries ({@code
   * MANAGER_QEMU_HOST_DATA}). Unlike CocosAI, no placeholder digest is made up when it is empty.
   *
   * @return base64 of 32 bytes, required when {@link #enableHostData()} is set
   */
  @AttributeDefinition(description = "SEV-SNP host data: base64 of 32 bytes")
  String hostData() default "";

  /**
   * The TDX guest object's id, suffixed with {@code -<cvm id>} ({@code MANAGER_QEMU_TDX_ID}).
   *
   * @return an id
   */
  @AttributeDefinition(description = "TDX object id prefix")
  String tdxId() default "tdx0";

  /**
   * The vsock port of the host's TDX quote generation service ({@code
   * MANAGER_QEMU_QUOTE_GENERATION_PORT}).
   *
   * @return the port
   */
  @AttributeDefinition(description = "TDX quote generation vsock port")
  int quoteGenerationPort() default 4050;

  /**
   * The firmware of TDX VMs ({@code MANAGER_QEMU_OVMF_FILE}).
   *
   * @return a file
   */
  @AttributeDefinition(description = "TDX firmware (-bios)")
  String ovmfFile() default "/usr/share/ovmf/OVMF.fd";

  /**
   * {@code MANAGER_QEMU_IGVM_ID}.
   *
   * @return the IGVM object id
   */
  @AttributeDefinition(description = "IGVM object id")
  String igvmId() default "igvm0";

  /**
   * The IGVM file of SEV-SNP VMs: OVMF and the COCONUT-SVSM vTPM ({@code MANAGER_QEMU_IGVM_FILE}).
   *
   * @return a file
   */
  @AttributeDefinition(description = "IGVM file (SEV-SNP: OVMF + COCONUT-SVSM vTPM)")
  String igvmFile() default "/root/coconut-qemu.igvm";

  /**
   * A GPU to pass through ({@code MANAGER_QEMU_GPU_BDF}).
   *
   * @return a PCI address such as {@code 0000:01:00.0}; empty to use an NVIDIA GPU bound to {@code
   *     vfio-pci}, if there is one
   */
  @AttributeDefinition(description = "GPU PCI address; empty = an NVIDIA GPU bound to vfio-pci")
  String gpuBdf() default "";

  /**
   * {@code MANAGER_QEMU_GPU_PCIE_ROOT_PORT}.
   *
   * @return the root port id
   */
  @AttributeDefinition(description = "GPU PCIe root port id")
  String gpuPcieRootPort() default "pci.1";

  /**
   * {@code MANAGER_QEMU_GPU_PCIE_BUS}.
   *
   * @return the PCIe bus
   */
  @AttributeDefinition(description = "GPU PCIe bus")
  String gpuPcieBus() default "pcie.0";

  /**
   * {@code MANAGER_QEMU_GPU_FW_CFG_MMIO_MB}.
   *
   * @return the 64-bit MMIO window for the firmware, in MB
   */
  @AttributeDefinition(description = "GPU 64-bit MMIO window (MB)")
  long gpuFwCfgMmioMb() default 262144;

  /**
   * {@code MANAGER_QEMU_NO_GRAPHIC}.
   *
   * @return {@code true} for {@code -nographic}
   */
  @AttributeDefinition(description = "-nographic")
  boolean noGraphic() default true;

  /**
   * Whether VMs without SEV-SNP get a vTPM through swtpm ({@code MANAGER_QEMU_VTPM}; not in
   * CocosAI). SEV-SNP VMs have theirs inside the IGVM (COCONUT-SVSM).
   *
   * @return {@code true} for a per-VM swtpm
   */
  @AttributeDefinition(description = "Per-VM swtpm vTPM (VMs without SEV-SNP)")
  boolean vtpm() default true;

  /**
   * Whether QEMU runs under its seccomp sandbox ({@code MANAGER_QEMU_SANDBOX}; not in CocosAI):
   * {@code -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny}, so a
   * guest that takes over QEMU cannot start programs, gain privileges or use obsolete system calls.
   *
   * @return {@code true} for the sandbox
   */
  @AttributeDefinition(description = "QEMU seccomp sandbox")
  boolean sandbox() default true;

  /**
   * The swtpm binary ({@code MANAGER_QEMU_SWTPM_PATH}; not in CocosAI).
   *
   * @return a path, or a name looked up on {@code PATH}
   */
  @AttributeDefinition(description = "swtpm binary")
  String swtpmPath() default "swtpm";

  /**
   * The qemu-img binary, for disk mode ({@code MANAGER_QEMU_IMG_PATH}; not in CocosAI).
   *
   * @return a path, or a name looked up on {@code PATH}
   */
  @AttributeDefinition(description = "qemu-img binary (disk mode)")
  String imgPath() default "qemu-img";

  /**
   * How long QEMU may take to answer on its QMP socket after it was started.
   *
   * @return milliseconds
   */
  @AttributeDefinition(description = "Milliseconds QEMU may take to come up", min = "1000")
  long startTimeoutMillis() default 30_000;
}
