package io.predictor.admin.service;

/** Tests outside this package: makes a service's reloads fail as the parser can. */
public final class ReloadFaults {

    private ReloadFaults() {
    }

    /** Every reload of {@code service} runs out of heap while it reads the sites file. */
    public static void outOfHeap(SiteService service) {
        service.readSitesFileWith((file, inService, paced) -> {
            throw new OutOfMemoryError("Java heap space");
        });
    }
}
