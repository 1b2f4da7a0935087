CatalogSearch.add("t","1 ",{"1 good":"1O"});
