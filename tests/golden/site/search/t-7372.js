CatalogSearch.add("t","sr",{"src":"1L","src x":"1O"});
