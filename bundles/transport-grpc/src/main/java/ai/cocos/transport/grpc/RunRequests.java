package ai.cocos.transport.grpc;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.proto.cvms.Algorithm;
import ai.cocos.proto.cvms.ComputationRunReq;
import ai.cocos.proto.cvms.Dataset;
import ai.cocos.proto.cvms.RunReqChunks;
import ai.cocos.proto.cvms.ServerStreamMessage;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;

/**
 * A manifest as CocosAI's run request ({@code cvms.ComputationRunReq}), and that request cut into
 * the chunks CocosAI's reference CVMS sends.
 *
 * <p>Mapping: hashes as their 32 bytes; every {@code userKey} as the SubjectPublicKeyInfo DER;
 * dataset file names and {@code decompress}; the algorithm's type as {@code algo_type} and its
 * arguments as {@code algo_args}; {@code agent_config} with the PEM text of the certificates and
 * the key (not file names: CocosAI's agent reads these fields as PEM too), the port as decimal text
 * (empty for 0, "the agent's default"), {@code log_level} empty. No {@code source} or {@code kbs}
 * is set: a Cocos manifest describes direct uploads only. The owner signature travels in the Cocos
 * extension field {@code owner_signature} (100). The conversion is lossless: an agent can rebuild
 * the manifest (a DER key as {@code PublicKeyPem.of(der)}, {@code ""} as an absent PEM field) and
 * check the signature over its canonical bytes.
 */
public final class RunRequests {
  /** CocosAI's chunk size for run requests: 1 MiB of serialized request per chunk. */
  public static final int CHUNK_BYTES = 1024 * 1024;

  private RunRequests() {}

  /**
   * Converts a manifest.
   *
   * @param m the manifest
   * @param ownerSignature the owner's signature, empty if none
   * @return the run request
   */
  public static ComputationRunReq toProto(Manifest m, byte[] ownerSignature) {
    ComputationRunReq.Builder b =
        ComputationRunReq.newBuilder()
            .setId(m.id())
            .setName(m.name())
            .setDescription(m.description());
    for (DatasetSpec d : m.datasets()) {
      b.addDatasets(
          Dataset.newBuilder()
              .setHash(ByteString.copyFrom(d.hash().bytes()))
              .setUserKey(ByteString.copyFrom(d.userKey().der()))
              .setFilename(d.filename())
              .setDecompress(d.decompress()));
    }
    AlgorithmSpec a = m.algorithm();
    b.setAlgorithm(
        Algorithm.newBuilder()
            .setHash(ByteString.copyFrom(a.hash().bytes()))
            .setUserKey(ByteString.copyFrom(a.userKey().der()))
            .setAlgoType(a.type())
            .addAllAlgoArgs(a.args()));
    for (ResultConsumer c : m.resultConsumers()) {
      b.addResultConsumers(
          ai.cocos.proto.cvms.ResultConsumer.newBuilder()
              .setUserKey(ByteString.copyFrom(c.userKey().der())));
    }
    AgentConfig c = m.agentConfig();
    b.setAgentConfig(
        ai.cocos.proto.cvms.AgentConfig.newBuilder()
            .setPort(c.port() == 0 ? "" : Integer.toString(c.port()))
            .setCertFile(c.certPem().orElse(""))
            .setKeyFile(c.keyPem().orElse(""))
            .setServerCaFile(c.serverCaPem().orElse(""))
            .setClientCaFile(c.clientCaPem().orElse(""))
            .setAttestedTls(c.attestedTls()));
    b.setOwnerSignature(ByteString.copyFrom(ownerSignature));
    return b.build();
  }

  /**
   * Cuts a serialized run request as CocosAI's reference server does: {@link #CHUNK_BYTES} of data
   * per chunk with {@code is_last=false}, then one chunk with no data and {@code is_last=true}.
   *
   * @param id the chunks' {@code id} (the computation id)
   * @param serialized the serialized {@code ComputationRunReq}
   * @return the messages to send, in order
   */
  public static List<ServerStreamMessage> chunks(String id, byte[] serialized) {
    return chunks(id, serialized, CHUNK_BYTES);
  }

  /**
   * Cuts a serialized run request into chunks of a given size, then the empty last chunk.
   *
   * @param id the chunks' {@code id}
   * @param serialized the serialized {@code ComputationRunReq}
   * @param chunkBytes the data per chunk, at least 1
   * @return the messages to send, in order
   */
  public static List<ServerStreamMessage> chunks(String id, byte[] serialized, int chunkBytes) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunkBytes must be at least 1, is " + chunkBytes);
    }
    List<ServerStreamMessage> out = new ArrayList<>();
    for (int off = 0; off < serialized.length; off += chunkBytes) {
      int len = Math.min(chunkBytes, serialized.length - off);
      out.add(
          ServerStreamMessage.newBuilder()
              .setRunReqChunks(
                  RunReqChunks.newBuilder()
                      .setId(id)
                      .setData(ByteString.copyFrom(serialized, off, len))
                      .setIsLast(false))
              .build());
    }
    out.add(
        ServerStreamMessage.newBuilder()
            .setRunReqChunks(RunReqChunks.newBuilder().setId(id).setIsLast(true))
            .build());
    return out;
  }
}
