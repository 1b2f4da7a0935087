CatalogSearch.add("t","ht",{"html":"1L","html img":"1O"});
