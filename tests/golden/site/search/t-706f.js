CatalogSearch.add("t","po",{"power":"0c"});
