package ai.cocos.manager.internal;

import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationEvent;
import ai.cocos.proto.computations.v1.EventKind;
import ai.cocos.proto.computations.v1.Party;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.time.Instant;

/** The registry's values as {@code cocos.computations.v1} messages. */
final class Protos {
  private Protos() {}

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  static Computation computation(ComputationView v) {
    Computation.Builder b =
        Computation.newBuilder()
            .setId(v.id())
            .setName(v.name())
            .setDescription(v.description())
            .setState(v.state())
            .setManifestDigest(v.manifestDigest())
            .setCreated(timestamp(v.created()))
            .setUpdated(timestamp(v.updated()))
            .setCvmId(v.cvmId())
            .setOwnerSigned(v.ownerSigned())
            .setRunRequestAnswered(v.runRequestAnswered())
            .setError(v.error())
            .setTerminal(v.terminal())
            .setLastSeq(v.lastSeq())
            .setDroppedEvents(v.droppedEvents());
    for (ComputationView.Party p : v.parties()) {
      b.addParties(
          Party.newBuilder()
              .setRole(p.role())
              .setKeyFingerprint(p.keyFingerprint())
              .setDataset(p.dataset()));
    }
    return b.build();
  }

  static ComputationEvent event(EventRecord r) {
    return ComputationEvent.newBuilder()
        .setSeq(r.seq())
        .setTime(timestamp(r.time()))
        .setKind(
            r.kind() == EventRecord.Kind.LOG
                ? EventKind.EVENT_KIND_LOG
                : EventKind.EVENT_KIND_EVENT)
        .setOriginator(r.originator())
        .setType(r.type())
        .setStatus(r.status())
        .setDetails(ByteString.copyFrom(r.details()))
        .setLevel(r.level())
        .setMessage(r.message())
        .setState(r.state())
        .build();
  }
}
