CatalogSearch.add("t","ve",{"vedant":"0c"});
