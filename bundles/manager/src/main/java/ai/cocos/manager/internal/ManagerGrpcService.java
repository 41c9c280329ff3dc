package ai.cocos.manager.internal;

import ai.cocos.api.transport.Transport;
import ai.cocos.manager.internal.ManagerException.Reason;
import ai.cocos.proto.manager.AttestationPolicyReq;
import ai.cocos.proto.manager.AttestationPolicyRes;
import ai.cocos.proto.manager.CVMInfoReq;
import ai.cocos.proto.manager.CVMInfoRes;
import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.CreateRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.proto.manager.RemoveReq;
import com.google.protobuf.Empty;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * CocosAI's {@code manager.ManagerService} on the manager endpoint: {@code CreateVm}, {@code
 * RemoveVm}, {@code CVMInfo}, {@code AttestationPolicy}, wire-compatible with CocosAI clients (plus
 * the Cocos extension {@code CreateReq.computation_id}).
 *
 * <p>Active while the manager endpoint listens: its address is the default {@code
 * AGENT_CVM_GRPC_URL} of the agents it starts.
 */
@Component(
    service = BindableService.class,
    property = Transport.ENDPOINT_PROPERTY + "=" + ManagerGrpcService.ENDPOINT)
public final class ManagerGrpcService extends ManagerServiceGrpc.ManagerServiceImplBase {
  /** The endpoint this service is served on. */
  public static final String ENDPOINT = "manager";

  private final ManagerRuntime runtime;
  private final Transport endpoint;

  /**
   * Creates the service.
   *
   * @param runtime the manager
   * @param endpoint the manager endpoint (where agents reach the CVMS)
   */
  @Activate
  public ManagerGrpcService(
      @Reference ManagerRuntime runtime,
      @Reference(target = "(" + Transport.ENDPOINT_PROPERTY + "=" + ENDPOINT + ")")
          Transport endpoint) {
    this.runtime = runtime;
    this.endpoint = endpoint;
  }

  @Override
  public void createVm(CreateReq request, StreamObserver<CreateRes> response) {
    InetSocketAddress address = endpoint == null ? null : endpoint.address();
    try {
      response.onNext(runtime.vms().create(request, address));
      response.onCompleted();
    } catch (ManagerException e) {
      response.onError(e.toStatus());
    }
  }

  @Override
  public void removeVm(RemoveReq request, StreamObserver<Empty> response) {
    try {
      runtime.vms().remove(request.getCvmId());
      response.onNext(Empty.getDefaultInstance());
      response.onCompleted();
    } catch (ManagerException e) {
      response.onError(e.toStatus());
    }
  }

  @Override
  public void cVMInfo(CVMInfoReq request, StreamObserver<CVMInfoRes> response) {
    response.onNext(runtime.vms().info(request.getId()));
    response.onCompleted();
  }

  @Override
  public void attestationPolicy(
      AttestationPolicyReq request, StreamObserver<AttestationPolicyRes> response) {
    if (!runtime.vms().exists(request.getId())) {
      response.onError(new ManagerException(Reason.NOT_FOUND, "entity not found").toStatus());
      return;
    }
    response.onError(
        Status.UNIMPLEMENTED
            .withDescription(
                "no attestation policy: the host-process backend runs agents outside any TEE;"
                    + " a QEMU backend on an SEV-SNP or TDX host generates one")
            .asException());
  }
}
