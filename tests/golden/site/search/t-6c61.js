CatalogSearch.add("t","la",{"label":"5b"});
