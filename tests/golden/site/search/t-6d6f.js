CatalogSearch.add("t","mo",{"model":"2p","model more":"2X","model wise":"2T","more":"2g","more data":"2X","moritz":"5c"});
