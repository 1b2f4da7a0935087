CatalogSearch.add("t","sc",{"script":"1Q","script alert":"1O","script raw":"1O"});
