CatalogSearch.add("t","di",{"digest":"1L","digest script":"1O"});
