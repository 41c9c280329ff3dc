/**
 * The manager's implementation: the DS components ({@link ai.cocos.manager.internal.ManagerRuntime}
 * and the three gRPC services it backs), the computation registry, the CVMS stream server, VM
 * lifecycle ({@link ai.cocos.manager.internal.VmManager}) and the two VM backends: host processes
 * ({@link ai.cocos.manager.internal.ProcessVmBackend}) and QEMU VMs ({@link
 * ai.cocos.manager.internal.QemuVmBackend}). Not exported.
 */
package ai.cocos.manager.internal;
