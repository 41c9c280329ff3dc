/**
 * Linux guest devices for TEE providers that fall back from configfs-tsm to their driver's ioctl
 * ({@code /dev/sev-guest}, {@code /dev/tdx_guest}): opening a device, native buffers whose
 * addresses request structures carry, the request numbers of {@code asm-generic/ioctl.h}, and
 * errors that name the errno. The native calls go through JNA (embedded in this bundle, loaded on
 * first use only).
 */
@Version("1.0.0")
package ai.cocos.attestation.guest;

import org.osgi.annotation.versioning.Version;
