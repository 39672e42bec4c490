package io.predictor.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Keeps the unread bytes of a connection between reads. The common case — nothing left over —
 * keeps the buffer as read, without a copy; leftovers are merged into one buffer (as Netty's
 * MERGE_CUMULATOR does), which a head parser needs.
 */
public final class Cumulation {

    private Cumulation() {
    }

    /** Appends {@code next} (its ownership passes here) to {@code acc}; returns the new accumulation. */
    public static ByteBuf append(ByteBufAllocator alloc, ByteBuf acc, ByteBuf next) {
        if (acc == null || !acc.isReadable()) {
            if (acc != null) {
                acc.release();
            }
            return next;
        }
        int needed = acc.readableBytes() + next.readableBytes();
        if (acc.writableBytes() < next.readableBytes() || acc.refCnt() > 1 || acc.isReadOnly()) {
            ByteBuf merged = alloc.directBuffer(Math.max(needed, 1024));
            merged.writeBytes(acc);
            acc.release();
            acc = merged;
        }
        acc.writeBytes(next);
        next.release();
        return acc;
    }

    /** Releases an emptied accumulation; returns what the field should hold. */
    public static ByteBuf compact(ByteBuf acc) {
        if (acc != null && !acc.isReadable()) {
            acc.release();
            return null;
        }
        return acc;
    }

    public static ByteBuf release(ByteBuf acc) {
        if (acc != null) {
            acc.release();
        }
        return null;
    }
}
