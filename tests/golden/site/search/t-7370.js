CatalogSearch.add("t","sp",{"sparse":"1n2k","sparse network":"1S2N","sparse trainable":"3X"});
