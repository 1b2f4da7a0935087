CatalogSearch.add("t","go",{"good":"1L","good link":"1O"});
