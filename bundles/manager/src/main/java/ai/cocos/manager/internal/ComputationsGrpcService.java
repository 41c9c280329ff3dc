package ai.cocos.manager.internal;

import ai.cocos.api.transport.Transport;
import ai.cocos.manager.internal.ManagerException.Reason;
import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.CreateComputationRequest;
import ai.cocos.proto.computations.v1.GetRequest;
import ai.cocos.proto.computations.v1.GetResponse;
import ai.cocos.proto.computations.v1.ListRequest;
import ai.cocos.proto.computations.v1.ListResponse;
import ai.cocos.proto.computations.v1.StopRequest;
import ai.cocos.proto.computations.v1.WatchRequest;
import ai.cocos.proto.computations.v1.WatchResponse;
import io.grpc.BindableService;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The computation service ({@code cocos.computations.v1.Computations}) on the manager endpoint. */
@Component(
    service = BindableService.class,
    property = Transport.ENDPOINT_PROPERTY + "=" + ManagerGrpcService.ENDPOINT)
public final class ComputationsGrpcService extends ComputationsGrpc.ComputationsImplBase {
  private final ManagerRuntime runtime;

  /**
   * Creates the service.
   *
   * @param runtime the manager
   */
  @Activate
  public ComputationsGrpcService(@Reference ManagerRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public void create(CreateComputationRequest request, StreamObserver<Computation> response) {
    try {
      ComputationView v =
          runtime
              .registry()
              .create(
                  request.getManifestJson().toByteArray(),
                  request.getOwnerSignature().toByteArray());
      response.onNext(Protos.computation(v));
      response.onCompleted();
    } catch (ManagerException e) {
      response.onError(e.toStatus());
    }
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListResponse> response) {
    ListResponse.Builder b = ListResponse.newBuilder();
    for (ComputationView v : runtime.registry().list()) {
      b.addComputations(Protos.computation(v));
    }
    response.onNext(b.build());
    response.onCompleted();
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> response) {
    try {
      ComputationRegistry registry = runtime.registry();
      GetResponse.Builder b =
          GetResponse.newBuilder()
              .setComputation(Protos.computation(registry.get(request.getId())));
      for (EventRecord r : registry.events(request.getId())) {
        b.addEvents(Protos.event(r));
      }
      response.onNext(b.build());
      response.onCompleted();
    } catch (ManagerException e) {
      response.onError(e.toStatus());
    }
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> response) {
    WatchStream stream =
        new WatchStream(
            (ServerCallStreamObserver<WatchResponse>) response, ManagerRuntime.WATCH_QUEUE_LIMIT);
    try {
      stream.watching(runtime.registry().watch(request.getId(), request.getAfterSeq(), stream));
    } catch (ManagerException e) {
      response.onError(e.toStatus());
    }
  }

  @Override
  public void stop(StopRequest request, StreamObserver<Computation> response) {
    try {
      ComputationRegistry registry = runtime.registry();
      ComputationView v = registry.get(request.getId());
      if (v.terminal()) {
        throw new ManagerException(
            Reason.FAILED_PRECONDITION,
            "computation '" + v.id() + "' is already " + v.state() + ": nothing to stop");
      }
      if (runtime.links().stop(v.id()).isEmpty()) {
        throw new ManagerException(
            Reason.FAILED_PRECONDITION,
            "no agent is connected for computation '"
                + v.id()
                + "'"
                + (v.cvmId().isEmpty() ? " (it is bound to no CVM)" : " (CVM " + v.cvmId() + ")")
                + ": remove its VM with RemoveVm instead");
      }
      response.onNext(Protos.computation(registry.get(v.id())));
      response.onCompleted();
    } catch (ManagerException e) {
      response.onError(e.toStatus());
    }
  }
}
