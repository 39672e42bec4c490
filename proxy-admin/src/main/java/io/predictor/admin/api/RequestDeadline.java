package io.predictor.admin.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * First in the admin pipeline: a request must arrive whole within its deadline from its first
 * byte. The idle limit counts time without any byte, so 64 connections trickling a request head
 * a byte at a time held every admin connection for good and locked the operator out (slowloris,
 * found by review). Paused while the connection is not read (its answers are not taken).
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {

    private final long millis;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> deadline;

    RequestDeadline(long millis) {
        this.millis = millis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (deadline == null && msg instanceof ByteBuf b && b.isReadable()) {
            deadline = ctx.executor().schedule(() -> {
                deadline = null;
                ctx.close();
            }, millis, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    /** A request arrived whole (or reading stopped): the next byte starts the next deadline. On the event loop. */
    void stop() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }
}
