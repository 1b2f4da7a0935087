CatalogSearch.add("t","bl",{"black":"4h","black box":"4X"});
