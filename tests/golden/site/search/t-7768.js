CatalogSearch.add("t","wh",{"where":"2g","where bigger":"2X"});
