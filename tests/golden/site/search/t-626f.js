CatalogSearch.add("t","bo",{"boaz":"2a","bottleneck":"4o","box":"4h","box deep":"4X"});
