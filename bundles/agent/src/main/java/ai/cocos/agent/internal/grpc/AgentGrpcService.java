package ai.cocos.agent.internal.grpc;

import ai.cocos.agent.Agent;
import ai.cocos.agent.AgentException;
import ai.cocos.agent.AlgorithmUpload;
import ai.cocos.agent.Authorization;
import ai.cocos.agent.ComputationService;
import ai.cocos.agent.Operation;
import ai.cocos.agent.ResultDownload;
import ai.cocos.agent.Upload;
import ai.cocos.agent.UploadReceipt;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.transport.Transport;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AlgoRequest;
import ai.cocos.proto.agent.AlgoResponse;
import ai.cocos.proto.agent.AttestationRequest;
import ai.cocos.proto.agent.AttestationResponse;
import ai.cocos.proto.agent.AttestationTokenRequest;
import ai.cocos.proto.agent.AttestationTokenResponse;
import ai.cocos.proto.agent.DataRequest;
import ai.cocos.proto.agent.DataResponse;
import ai.cocos.proto.agent.IMAMeasurementsRequest;
import ai.cocos.proto.agent.IMAMeasurementsResponse;
import ai.cocos.proto.agent.ResultRequest;
import ai.cocos.proto.agent.ResultResponse;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * CocosAI's {@code agent.AgentService} (wire-compatible) over the agent's core: registered as an
 * {@link BindableService} for the {@value #ENDPOINT} gRPC endpoint, it drives {@link
 * Agent#current()}.
 *
 * <ul>
 *   <li>{@code Algo} (client stream): authorises the call's metadata for {@link Operation#algo()},
 *       begins the upload with the optional {@code algo_type} and {@code algo_args} metadata,
 *       writes each message's {@code algorithm} and {@code requirements} bytes as they arrive,
 *       commits when the client half-closes, aborts if it cancels or the connection drops.
 *   <li>{@code Data} (client stream): the same, for the dataset the first message names ({@code
 *       filename}), with the {@code decompress} metadata; a later message naming another file is
 *       refused.
 *   <li>{@code Result} (server stream): sends {@code file-size}, then the results zip in 1 MiB
 *       chunks, only as fast as the client reads.
 *   <li>{@code Attestation} (server stream, unauthenticated): evidence from the TEE provider the
 *       request's {@code type} names, bound to its nonces, as a {@code cocos-evidence/1} file in 1
 *       MiB chunks after {@code file-size} (see {@link AttestationCall}: types, errors, emulated).
 *   <li>{@code IMAMeasurements}, {@code AzureAttestationToken}: {@code UNIMPLEMENTED} in this
 *       build.
 * </ul>
 *
 * <p>Memory stays bounded whatever the sizes: an upload asks gRPC for the next message only once
 * the previous one is on disk, and the result stream reads the next chunk only when the transport
 * is ready for it. Errors carry the gRPC status of their {@link AgentException.Kind} (see {@link
 * GrpcStatuses}) and the agent's message. A computation whose manifest gives the agent a
 * certificate, or asks for attested TLS, is served over (attested) TLS only: a plaintext call (the
 * endpoint is still switching) is refused with {@code FAILED_PRECONDITION}.
 */
@Component(
    service = BindableService.class,
    property = Transport.ENDPOINT_PROPERTY + "=" + AgentGrpcService.ENDPOINT)
public final class AgentGrpcService implements BindableService {
  /** The gRPC endpoint this service is contributed to. */
  public static final String ENDPOINT = "agent";

  /** Size of each {@code ResultResponse} chunk: 1 MiB, as CocosAI. */
  static final int CHUNK_BYTES = 1024 * 1024;

  /** Response header with the streamed file's size (CocosAI's). */
  static final Metadata.Key<String> FILE_SIZE =
      Metadata.Key.of("file-size", Metadata.ASCII_STRING_MARSHALLER);

  /** CocosAI's metadata: the algorithm's type ({@code Algo}). */
  static final String ALGO_TYPE = "algo_type";

  /** CocosAI's metadata: the algorithm's arguments, one value each ({@code Algo}). */
  static final String ALGO_ARGS = "algo_args";

  /** CocosAI's metadata: {@code true} to extract the uploaded zip ({@code Data}). */
  static final String DECOMPRESS = "decompress";

  private static final System.Logger LOG = System.getLogger(AgentGrpcService.class.getName());

  private final Agent agent;
  private final AttestationCall attestation;

  /**
   * Creates the service.
   *
   * @param agent the agent it serves
   * @param plugins where the TEE providers serving {@code Attestation} are looked up, per call
   */
  @Activate
  public AgentGrpcService(
      @Reference Agent agent, @Reference(name = "plugins") PluginRegistry plugins) {
    this.agent = Objects.requireNonNull(agent, "agent");
    this.attestation = new AttestationCall(plugins);
  }

  /**
   * Creates the service without TEE providers: {@code Attestation} answers that none is installed.
   *
   * @param agent the agent it serves
   */
  public AgentGrpcService(Agent agent) {
    this(agent, NO_PLUGINS);
  }

  /** A registry with no plugins at all. */
  private static final PluginRegistry NO_PLUGINS =
      new PluginRegistry() {
        @Override
        public List<PluginInfo> plugins() {
          return List.of();
        }

        @Override
        public WorkloadRunner runner(String type) throws RunnerUnavailableException {
          throw new RunnerUnavailableException("runner '" + type + "' is not installed");
        }

        @Override
        public Optional<TeeProvider> teeProvider(String platform) {
          return Optional.empty();
        }

        @Override
        public List<TeeProvider> teeProviders() {
          return List.of();
        }
      };

  @Override
  public ServerServiceDefinition bindService() {
    return ServerInterceptors.intercept(new Calls().bindService(), new CallContext.Interceptor());
  }

  /** The computation a call addresses, or the status to answer with. */
  private ComputationService computation(CallContext call, String what) throws StatusException {
    ComputationService c =
        agent
            .current()
            .orElseThrow(
                () ->
                    Status.FAILED_PRECONDITION
                        .withDescription(GrpcStatuses.NO_COMPUTATION)
                        .asException());
    AgentConfig tls = c.manifest().agentConfig();
    if (!call.tls() && (tls.certPem().isPresent() || tls.attestedTls()) && !c.finished()) {
      throw Status.FAILED_PRECONDITION
          .withDescription(
              "computation "
                  + c.id()
                  + " accepts "
                  + what
                  + " over TLS only and this call came in plaintext; the agent's endpoint is"
                  + " switching to TLS: retry with TLS in a moment")
          .asException();
    }
    return c;
  }

  private final class Calls extends AgentServiceGrpc.AgentServiceImplBase {
    @Override
    public StreamObserver<AlgoRequest> algo(StreamObserver<AlgoResponse> responses) {
      AlgoCall call = new AlgoCall(responses);
      call.start();
      return call;
    }

    @Override
    public StreamObserver<DataRequest> data(StreamObserver<DataResponse> responses) {
      DataCall call = new DataCall(responses);
      call.start();
      return call;
    }

    @Override
    public void result(ResultRequest request, StreamObserver<ResultResponse> responses) {
      ServerCallStreamObserver<ResultResponse> out =
          (ServerCallStreamObserver<ResultResponse>) responses;
      CallContext call = CallContext.current();
      ResultDownload download;
      try {
        ComputationService c = computation(call, "result downloads");
        Authorization auth = c.authorize(Operation.result(), call.headers());
        download = c.openResult(auth);
      } catch (StatusException e) {
        out.onError(e);
        return;
      } catch (AgentException e) {
        out.onError(GrpcStatuses.of(e, false).asException());
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Result call failed", e);
        out.onError(GrpcStatuses.internal(e).asException());
        return;
      }
      call.responseHeader(FILE_SIZE, Long.toString(download.size()));
      ResultPump pump = new ResultPump(download, out);
      out.setOnCancelHandler(pump::cancelled);
      out.setOnReadyHandler(pump);
      // gRPC serialises this call's callbacks: the pump never runs twice at once.
      pump.run();
    }

    @Override
    public void attestation(
        AttestationRequest request, StreamObserver<AttestationResponse> responses) {
      attestation.serve(request, responses);
    }

    @Override
    public void iMAMeasurements(
        IMAMeasurementsRequest request, StreamObserver<IMAMeasurementsResponse> responses) {
      responses.onError(
          Status.UNIMPLEMENTED.withDescription(GrpcStatuses.NO_ATTESTATION).asException());
    }

    @Override
    public void azureAttestationToken(
        AttestationTokenRequest request, StreamObserver<AttestationTokenResponse> responses) {
      responses.onError(
          Status.UNIMPLEMENTED.withDescription(GrpcStatuses.NO_ATTESTATION).asException());
    }
  }

  /**
   * One upload call: asks for one message at a time, writes it to the upload, commits at the end of
   * the stream and aborts on any failure or cancellation. gRPC delivers a call's messages one at a
   * time, never concurrently.
   */
  private abstract class UploadCall<Q, R> implements StreamObserver<Q> {
    final ServerCallStreamObserver<R> out;
    final CallContext call = CallContext.current();
    Upload upload;
    private boolean done;

    UploadCall(StreamObserver<R> responses) {
      out = (ServerCallStreamObserver<R>) responses;
      // Flow control by hand: the next message is requested once this one is on disk.
      out.disableAutoRequest();
    }

    void start() {
      try {
        begin();
      } catch (StatusException e) {
        fail(e.getStatus());
        return;
      } catch (AgentException e) {
        fail(GrpcStatuses.of(e, false));
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "upload call failed", e);
        fail(GrpcStatuses.internal(e));
        return;
      }
      out.request(1);
    }

    /** Starts the upload if the call's metadata suffices (Algo); Data waits for its file name. */
    abstract void begin() throws StatusException, AgentException;

    /** Writes one message, beginning the upload first if needed. */
    abstract void write(Q message) throws StatusException, AgentException;

    /** The response of an accepted upload. */
    abstract R response();

    /** The status when the stream ended before the upload could begin. */
    abstract Status nothingReceived();

    @Override
    public void onNext(Q message) {
      if (done) {
        return;
      }
      try {
        write(message);
      } catch (StatusException e) {
        fail(e.getStatus());
        return;
      } catch (AgentException e) {
        fail(GrpcStatuses.of(e, false));
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "upload call failed", e);
        fail(GrpcStatuses.internal(e));
        return;
      }
      out.request(1);
    }

    @Override
    public void onError(Throwable t) {
      // The client cancelled or the connection dropped: nothing of this upload is kept.
      done = true;
      if (upload != null) {
        upload.abort();
        LOG.log(
            Level.INFO,
            "upload aborted after {0} bytes: {1}",
            upload.bytesReceived(),
            Status.fromThrowable(t).getCode());
      }
    }

    @Override
    public void onCompleted() {
      if (done) {
        return;
      }
      done = true;
      if (upload == null) {
        out.onError(nothingReceived().asException());
        return;
      }
      UploadReceipt receipt;
      try {
        receipt = upload.commit();
      } catch (AgentException e) {
        out.onError(GrpcStatuses.of(e, false).asException());
        return;
      } catch (RuntimeException e) {
        upload.abort();
        LOG.log(Level.WARNING, "upload commit failed", e);
        out.onError(GrpcStatuses.internal(e).asException());
        return;
      }
      LOG.log(Level.DEBUG, "accepted {0} ({1} bytes)", receipt.item(), receipt.bytes());
      out.onNext(response());
      out.onCompleted();
    }

    private void fail(Status status) {
      done = true;
      if (upload != null) {
        upload.abort();
      }
      out.onError(status.asException());
    }
  }

  private final class AlgoCall extends UploadCall<AlgoRequest, AlgoResponse> {
    private AlgorithmUpload algorithm;

    AlgoCall(StreamObserver<AlgoResponse> responses) {
      super(responses);
    }

    @Override
    void begin() throws StatusException, AgentException {
      ComputationService c = computation(call, "uploads");
      Authorization auth = c.authorize(Operation.algo(), call.headers());
      Optional<String> type = call.first(ALGO_TYPE);
      List<String> args = call.headers().get(ALGO_ARGS);
      algorithm = c.beginAlgorithm(auth, type, Optional.ofNullable(args));
      upload = algorithm;
    }

    @Override
    void write(AlgoRequest m) throws AgentException {
      if (!m.getAlgorithm().isEmpty()) {
        algorithm.write(m.getAlgorithm().asReadOnlyByteBuffer());
      }
      if (!m.getRequirements().isEmpty()) {
        algorithm.writeRequirements(m.getRequirements().asReadOnlyByteBuffer());
      }
    }

    @Override
    AlgoResponse response() {
      return AlgoResponse.getDefaultInstance();
    }

    @Override
    Status nothingReceived() {
      return Status.INTERNAL.withDescription("the algorithm upload was not started");
    }
  }

  private final class DataCall extends UploadCall<DataRequest, DataResponse> {
    private String filename;

    DataCall(StreamObserver<DataResponse> responses) {
      super(responses);
    }

    @Override
    void begin() {
      // The dataset's name comes with the first message.
    }

    @Override
    void write(DataRequest m) throws StatusException, AgentException {
      if (filename == null) {
        if (m.getFilename().isEmpty()) {
          throw Status.INVALID_ARGUMENT
              .withDescription(
                  "the first DataRequest must name the dataset (filename), as the manifest"
                      + " declares it")
              .asException();
        }
        Operation op;
        try {
          op = Operation.data(m.getFilename());
        } catch (IllegalArgumentException e) {
          throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException();
        }
        ComputationService c = computation(call, "uploads");
        Authorization auth = c.authorize(op, call.headers());
        boolean decompress = call.first(DECOMPRESS).map("true"::equalsIgnoreCase).orElse(false);
        upload = c.beginDataset(auth, m.getFilename(), decompress);
        filename = m.getFilename();
      } else if (!m.getFilename().isEmpty() && !m.getFilename().equals(filename)) {
        throw Status.INVALID_ARGUMENT
            .withDescription(
                "DataRequest.filename changed within one upload, from "
                    + quote(filename)
                    + " to "
                    + quote(m.getFilename())
                    + "; upload each dataset in its own Data call")
            .asException();
      }
      if (!m.getDataset().isEmpty()) {
        upload.write(m.getDataset().asReadOnlyByteBuffer());
      }
    }

    @Override
    DataResponse response() {
      return DataResponse.getDefaultInstance();
    }

    @Override
    Status nothingReceived() {
      return Status.INVALID_ARGUMENT.withDescription(
          "the Data stream ended without a DataRequest: send the dataset's filename and content");
    }
  }

  /** Streams a results zip as the client reads it; closes the download however the call ends. */
  private static final class ResultPump implements Runnable {
    private final ResultDownload download;
    private final InputStream in;
    private final ServerCallStreamObserver<ResultResponse> out;
    private volatile boolean done;

    ResultPump(ResultDownload download, ServerCallStreamObserver<ResultResponse> out) {
      this.download = download;
      this.in = download.stream();
      this.out = out;
    }

    @Override
    public void run() {
      if (done) {
        return;
      }
      try {
        while (out.isReady()) {
          byte[] chunk = new byte[CHUNK_BYTES];
          int n = in.readNBytes(chunk, 0, CHUNK_BYTES);
          if (n > 0) {
            out.onNext(
                ResultResponse.newBuilder()
                    .setFile(UnsafeByteOperations.unsafeWrap(chunk, 0, n))
                    .build());
          }
          if (n < CHUNK_BYTES) {
            // readNBytes stops short only at the end: the consumer read it all. The call ends
            // before the download counts as served: the last consumer's download wipes the
            // computation and takes the endpoint back to plaintext, which must not overtake it.
            done = true;
            try {
              out.onCompleted();
            } finally {
              download.close();
            }
            return;
          }
        }
      } catch (IOException e) {
        done = true;
        download.close();
        out.onError(
            Status.ABORTED
                .withDescription("the results download broke off: " + e.getMessage())
                .asException());
      } catch (RuntimeException e) {
        done = true;
        download.close();
        LOG.log(Level.WARNING, "Result call failed", e);
        out.onError(GrpcStatuses.internal(e).asException());
      }
    }

    void cancelled() {
      done = true;
      download.close();
    }
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < s.length() && i < 64; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return b.append(s.length() > 64 ? "…'" : "'").toString();
  }
}
