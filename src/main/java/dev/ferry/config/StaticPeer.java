package dev.ferry.config;

/** A peer named in the configuration: where to dial it and, optionally, the id it must prove. */
public record StaticPeer(HostPort address, String peerId) {
    @Override
    public String toString() {
        return address + (peerId == null ? "" : "@" + peerId);
    }
}
